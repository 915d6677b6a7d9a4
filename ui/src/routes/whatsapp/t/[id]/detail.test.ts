// A detail page with a fake backend: loading line, then the template; reloaded when the
// backend says WhatsApp changed; the problem shown when loading fails; unsubscribed on close.
import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Changed } from '$lib/bindings/Changed';
import type { TemplateView } from '$lib/bindings/TemplateView';
import { setLanguage, t } from '$lib/i18n/index.svelte';
import { backend, setBackend, type Backend } from '$lib/ipc';
import Page from './+page.svelte';

vi.mock('$app/navigation', () => ({ goto: vi.fn() }));
vi.mock('$app/state', () => ({ page: { params: { id: 'OUT1' }, url: new URL('http://localhost/whatsapp/t/OUT1') } }));

const view = (name: string): TemplateView => ({
  outbound_id: 'OUT1',
  line: '576015550100',
  name,
  status: 'approved',
  quality: 'HIGH',
  category: 'MARKETING',
  language: 'es',
  template_type: 'TEXT',
  is_notification: true,
  failure_reason: null,
  failure_code: null,
  header: '',
  body: 'Hola',
  footer: '',
  buttons: [],
  code_expiration_minutes: null,
  variables: [],
  default_flow_id: null,
  checked_at_ms: 0
});

afterEach(cleanup);

describe('template detail', () => {
  it('loads, follows changes and stops following when closed', async () => {
    setLanguage('en');
    const names = ['promo', 'promo_renamed'];
    let handler: ((c: Changed) => void) | null = null;
    const unlisten = vi.fn();
    setBackend({
      ...backend(),
      whatsappTemplate: async () => view(names.shift() ?? 'x'),
      onChanged: async (h: (c: Changed) => void) => {
        handler = h;
        return unlisten;
      }
    } as Backend);
    const { unmount } = render(Page);
    expect(screen.getByText(t('app.loading'))).toBeTruthy();
    expect((await screen.findByTestId('wa-template-name')).textContent).toBe('promo');
    await vi.waitFor(() => expect(handler).not.toBeNull());
    handler!({ topics: ['checks'] });
    handler!({ topics: ['whatsapp'] });
    await vi.waitFor(() => expect(screen.getByTestId('wa-template-name').textContent).toBe('promo_renamed'));
    expect(names).toEqual([]);
    unmount();
    expect(unlisten).toHaveBeenCalledOnce();
  });

  it('shows the problem instead of the loading line', async () => {
    setBackend({
      ...backend(),
      whatsappTemplate: async () =>
        Promise.reject({ code: 'not_found', message: '', field: null, rule: null, retry_after_secs: null }),
      onChanged: async () => () => {}
    } as Backend);
    render(Page);
    expect((await screen.findByRole('alert')).textContent).toBe(t('error.not_found'));
    expect(screen.queryByText(t('app.loading'))).toBeNull();
  });

  it("says Meta's rejection in the user's language, and unknown words as Truora's", async () => {
    setLanguage('es');
    const rejected = (reason: string, code: TemplateView['failure_code']): TemplateView => ({
      ...view('promo'),
      status: 'rejected',
      failure_reason: reason,
      failure_code: code
    });
    setBackend({
      ...backend(),
      whatsappTemplate: async () => rejected('INVALID_FORMAT: shortened links are not allowed', 'INVALID_FORMAT'),
      onChanged: async () => () => {}
    } as Backend);
    const { unmount } = render(Page);
    const shown = (await screen.findByTestId('wa-failure-reason')).textContent ?? '';
    expect(shown).toContain('enlaces acortados');
    expect(shown).not.toContain('INVALID_FORMAT');
    unmount();
    setBackend({
      ...backend(),
      whatsappTemplate: async () => rejected('Rejected by the reviewer', null),
      onChanged: async () => () => {}
    } as Backend);
    render(Page);
    expect((await screen.findByTestId('wa-failure-reason')).textContent).toContain(
      'En palabras de Truora (sin traducir): “Rejected by the reviewer”'
    );
  });
});
