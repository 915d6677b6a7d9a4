// Sending to a list with a fake backend: choose a template and a file, the rows are checked
// with the guessed columns, and the start button creates and starts the job.
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobView } from '$lib/bindings/JobView';
import type { TemplateView } from '$lib/bindings/TemplateView';
import type { WaMapping } from '$lib/bindings/WaMapping';
import { setLanguage, t } from '$lib/i18n/index.svelte';
import { backend, setBackend, type Backend } from '$lib/ipc';
import Page from './+page.svelte';

const template = {
  outbound_id: 'OUT1',
  name: 'recordatorio_pago',
  status: 'approved',
  variables: ['name'],
  is_notification: true
} as TemplateView;
const job = { id: 7, counts: { total: 2 } } as JobView;

afterEach(cleanup);

describe('WhatsApp bulk send', () => {
  it('checks the rows with the guessed columns, then creates and starts the job', async () => {
    setLanguage('en');
    const checked: WaMapping[] = [];
    const started: number[] = [];
    setBackend({
      ...backend(),
      whatsappLines: async () => ['576015550100'],
      whatsappCached: async () => [template],
      bulkChooseFile: async () => ({
        file_name: 'clientes.csv',
        headers: ['phone', 'name', 'acepta'],
        sample: [['3001234567', 'Ana', 'sí']],
        total_rows: 2
      }),
      whatsappBulkCheck: async (m: WaMapping) => {
        checked.push(m);
        return { total: 2, valid: 2, invalid: 0, problems: [] };
      },
      whatsappBulkCreate: async () => job,
      bulkStart: async (id: number) => {
        started.push(id);
        return job;
      },
      bulkJobs: async () => [],
      bulkRows: async () => [],
      onChanged: async () => () => {}
    } as Backend);
    render(Page);
    const select = (await screen.findByTestId('bulk-template')) as HTMLSelectElement;
    await vi.waitFor(() => expect(select.options.length).toBe(2));
    select.value = 'OUT1';
    await fireEvent.change(select);
    await fireEvent.click(screen.getByTestId('bulk-choose-file'));
    await vi.waitFor(() => expect(screen.getByTestId('bulk-preview').textContent).toContain('2 rows ready to send'));
    expect(checked.at(-1)).toMatchObject({ outbound_id: 'OUT1', phone_column: 'phone', opt_in_column: 'acepta' });
    expect(checked.at(-1)?.value_columns).toEqual({ name: 'name' });
    expect((document.getElementById('b-title') as HTMLInputElement).value).toBe('clientes.csv');
    await fireEvent.click(screen.getByTestId('bulk-start'));
    await vi.waitFor(() => expect(started).toEqual([7]));
    expect(screen.queryByTestId('bulk-preview')).toBeNull();
  });

  it("says a column's problem under that column's choice", async () => {
    setLanguage('en');
    setBackend({
      ...backend(),
      whatsappLines: async () => ['576015550100'],
      whatsappCached: async () => [template],
      bulkChooseFile: async () => ({
        file_name: 'clientes.csv',
        headers: ['celular', 'name'],
        sample: [['3001234567', 'Ana']],
        total_rows: 1
      }),
      whatsappBulkCheck: async () => {
        throw {
          code: 'validation',
          message: 'choose a column',
          field: 'opt_in_column',
          rule: 'bulk_opt_in_needed',
          retry_after_secs: null,
          problems: []
        };
      },
      bulkJobs: async () => [],
      bulkRows: async () => [],
      onChanged: async () => () => {}
    } as Backend);
    render(Page);
    const select = (await screen.findByTestId('bulk-template')) as HTMLSelectElement;
    await vi.waitFor(() => expect(select.options.length).toBe(2));
    select.value = 'OUT1';
    await fireEvent.change(select);
    await fireEvent.click(screen.getByTestId('bulk-choose-file'));
    const optIn = await vi.waitFor(() => {
      const el = document.getElementById('b-optin');
      expect(el?.getAttribute('aria-invalid')).toBe('true');
      return el as HTMLSelectElement;
    });
    const message = optIn.nextElementSibling;
    expect(message?.classList.contains('mapping-error')).toBe(true);
    expect(message?.textContent).toBe(t('rule.bulk_opt_in_needed'));
  });
});
