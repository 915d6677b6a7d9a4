import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import Field from './Field.svelte';
import Select from './Select.svelte';
import TextArea from './TextArea.svelte';
import { fieldId } from './field';
import { setLanguage, t } from '$lib/i18n/index.svelte';

afterEach(cleanup);

const options = createRawSnippet(() => ({ render: () => '<option value="es">Spanish</option>' }));

describe('Field', () => {
  it('ties its label, help and error to the input for screen readers', () => {
    render(Field, { id: 'key', label: 'Truora API key', help: 'From the dashboard', error: 'This field is required.' });
    const input = screen.getByLabelText('Truora API key');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('key-help key-error');
    expect(screen.getByRole('alert').textContent).toBe('This field is required.');
  });

  it('is not marked invalid without an error', () => {
    render(Field, { id: 'k2', label: 'Key ID' });
    expect(screen.getByLabelText('Key ID').getAttribute('aria-invalid')).toBeNull();
  });

  it('finds its message in the form errors by path, and its id from the path', () => {
    render(Field, {
      path: 'buttons.0.text',
      label: 'Button text',
      errors: { 'buttons.0.text': 'Too long.', name: 'x' }
    });
    const input = screen.getByLabelText('Button text');
    expect(input.id).toBe('f-buttons-0-text');
    expect(input.getAttribute('aria-describedby')).toBe('f-buttons-0-text-error');
    expect(screen.getByRole('alert').textContent).toBe('Too long.');
  });

  it('counts characters as people do and marks going over the limit', () => {
    const { container } = render(Field, { path: 'header', label: 'Title', value: 'hé👍', limit: 2 });
    const counter = container.querySelector('#f-header-count');
    expect(counter?.textContent).toBe('3 / 2');
    expect(counter?.classList.contains('over')).toBe(true);
    expect(screen.getByLabelText('Title').getAttribute('aria-describedby')).toBe('f-header-count');
  });

  it('passes other attributes to the input', () => {
    render(Field, { path: 'phone', label: 'Phone', type: 'tel', placeholder: '300', 'data-testid': 'p' });
    const input = screen.getByTestId('p');
    expect(input.getAttribute('type')).toBe('tel');
    expect(input.getAttribute('placeholder')).toBe('300');
  });
});

describe('TextArea and Select', () => {
  it('are tied the same way', () => {
    render(TextArea, { path: 'body', label: 'Message', help: 'Up to a few words', errors: { body: 'Required.' } });
    const area = screen.getByLabelText('Message');
    expect(area.tagName).toBe('TEXTAREA');
    expect(area.getAttribute('aria-describedby')).toBe('f-body-help f-body-error');
    render(Select, { path: 'language', label: 'Language', value: 'es', children: options });
    const select = screen.getByLabelText('Language') as HTMLSelectElement;
    expect(select.tagName).toBe('SELECT');
    expect(select.value).toBe('es');
    expect(select.getAttribute('aria-invalid')).toBeNull();
  });

  it('names ids after paths the way the forms always did', () => {
    expect(fieldId('samples.day')).toBe('f-samples-day');
    expect(fieldId('name')).toBe('f-name');
  });
});

describe('a date field', () => {
  it('is typed day first with the placeholder in the app language, and gives ISO', async () => {
    await setLanguage('es');
    let value = '';
    render(Field, {
      path: 'date_of_birth',
      label: 'Fecha de nacimiento',
      type: 'date',
      get value() {
        return value;
      },
      set value(v: string) {
        value = v;
      }
    });
    const input = screen.getByLabelText('Fecha de nacimiento') as HTMLInputElement;
    expect(input.placeholder).toBe('dd/mm/aaaa');
    await fireEvent.input(input, { target: { value: '03/12/1990' } });
    expect(value).toBe('1990-12-03');
    // Not a day: said at the field once the operator leaves it, and the old day is dropped.
    await fireEvent.input(input, { target: { value: '31/02/1990' } });
    await fireEvent.blur(input);
    expect(value).toBe('');
    expect(screen.getByRole('alert').textContent).toBe(t('date.wrong'));
    await setLanguage('en');
  });

  it('with a time, gives the date-time shape, and a cleared time is said rather than kept', async () => {
    await setLanguage('es');
    let value = '';
    const { container } = render(Field, {
      path: 'ends_at',
      label: 'Hasta',
      type: 'datetime-local',
      get value() {
        return value;
      },
      set value(v: string) {
        value = v;
      }
    });
    const [day, clock] = [...container.querySelectorAll('input')] as HTMLInputElement[];
    await fireEvent.input(day!, { target: { value: '03/12/2026' } });
    await fireEvent.blur(day!);
    expect(value).toBe('');
    expect(screen.queryByRole('alert')).toBeNull();
    await fireEvent.input(clock!, { target: { value: '9:05' } });
    expect(value).toBe('2026-12-03T09:05');
    await fireEvent.input(clock!, { target: { value: '' } });
    await fireEvent.blur(clock!);
    expect(value).toBe('');
    expect(screen.getByRole('alert').textContent).toBe(t('date.wrong_time'));
    await setLanguage('en');
  });
});
