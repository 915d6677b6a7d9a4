import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import Field from './Field.svelte';

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
});
