// The template editor with a fake backend: the ids the end-to-end test types into are there,
// a field's message waits for the user to have been there, and the expiry box takes numbers.
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppError } from '$lib/bindings/AppError';
import type { TemplateDraft } from '$lib/bindings/TemplateDraft';
import { backend, setBackend, type Backend } from '$lib/ipc';
import Page from './+page.svelte';

vi.mock('$app/navigation', () => ({ goto: vi.fn() }));
vi.mock('$app/state', () => ({ page: { url: new URL('http://localhost/whatsapp/new') } }));

const drafts: TemplateDraft[] = [];

function fake(): Backend {
  return {
    ...backend(),
    whatsappLines: async () => ['576015550100'],
    whatsappCheckDraft: async (d: TemplateDraft) => {
      drafts.push(d);
      return {
        problems: d.name
          ? []
          : [{ code: 'validation', message: '', field: 'name', rule: 'required', retry_after_secs: null } as AppError],
        variables: [],
        desktop_hides_buttons: false
      };
    }
  } as Backend;
}

afterEach(cleanup);

describe('template editor', () => {
  it('keeps the ids, shows a message only after a visit, and sends numbers as the expiry', async () => {
    setBackend(fake());
    const { container } = render(Page);
    for (const id of ['f-line', 'f-name', 'f-language', 'f-type', 'f-header', 'f-body', 'f-footer']) {
      expect(container.querySelector(`#${id}`), id).not.toBeNull();
    }
    await vi.waitFor(() => expect(drafts.length).toBeGreaterThan(0));
    expect(screen.queryByRole('alert')).toBeNull();

    await fireEvent.input(container.querySelector('#f-name')!, { target: { value: 'x' } });
    await fireEvent.input(container.querySelector('#f-name')!, { target: { value: '' } });
    await vi.waitFor(() => expect(container.querySelector('#f-name-error')?.textContent).toBeTruthy());
    expect(container.querySelector('#f-name')?.getAttribute('aria-invalid')).toBe('true');

    await fireEvent.click(screen.getByTestId('wa-add-URL'));
    expect(container.querySelector('#f-buttons-0-text')).not.toBeNull();
    expect((container.querySelector('#f-buttons-0-url') as HTMLInputElement).value).toBe('https://');

    await fireEvent.click(screen.getByTestId('wa-cat-AUTHENTICATION'));
    const expiry = container.querySelector('#f-expiry') as HTMLInputElement;
    expect(expiry.getAttribute('max')).toBe('90');
    await fireEvent.input(expiry, { target: { value: '10' } });
    await vi.waitFor(() => expect(drafts.at(-1)?.code_expiration_minutes).toBe(10));
    expect(drafts.at(-1)?.buttons).toEqual([]);
  });
});
