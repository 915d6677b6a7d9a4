// Sending to one person with a fake backend: when the backend finds several problems at once
// (they travel inside one error), each is shown next to its own field.
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppError } from '$lib/bindings/AppError';
import { setLanguage } from '$lib/i18n/index.svelte';
import { backend, setBackend, type Backend } from '$lib/ipc';
import Page from './+page.svelte';

vi.mock('$app/state', () => ({ page: { url: new URL('http://localhost/whatsapp/send') } }));

afterEach(cleanup);

describe('send to one person', () => {
  it('puts every problem the backend found next to its field', async () => {
    setLanguage('en');
    const several: AppError = {
      code: 'validation',
      message: '',
      field: 'phone_number',
      rule: 'not_a_phone',
      retry_after_secs: null,
      problems: [
        { field: 'phone_number', rule: 'not_a_phone' },
        { field: 'opt_in', rule: 'wa_opt_in_required' }
      ]
    };
    setBackend({
      ...backend(),
      whatsappLines: async () => ['576015550100'],
      whatsappCached: async () => [],
      whatsappSend: async () => {
        throw several;
      }
    } as Backend);
    const { container } = render(Page);
    await fireEvent.click(screen.getByTestId('wa-send-submit'));
    await vi.waitFor(() => expect(container.querySelector('#f-opt_in')?.getAttribute('aria-invalid')).toBe('true'));
    expect(container.querySelector('#f-phone_number')?.getAttribute('aria-invalid')).toBe('true');
    const text = container.textContent ?? '';
    expect(text).not.toContain('not_a_phone');
    expect(text).not.toContain('wa_opt_in_required');
  });
});
