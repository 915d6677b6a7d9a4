import { describe, expect, it, vi } from 'vitest';
import type { AppError } from './bindings/AppError';
import { setLanguage, t } from './i18n/index.svelte';
import { isValidation, splitErrors } from './formErrors';

// Only the parts splitErrors reads; the cast keeps the test valid as AppError grows.
const err = (code: AppError['code'], field: string | null, rule: AppError['rule'] = null) =>
  ({ code, message: '', field, rule, retry_after_secs: null, problems: [] }) as AppError;

describe('splitErrors', () => {
  setLanguage('en');

  it('puts each of several problems next to its own field', () => {
    const several = {
      ...err('validation', 'phone', 'required'),
      problems: [
        { field: 'phone', rule: 'required' },
        { field: 'body', rule: 'wa_body_too_long' }
      ]
    } as AppError;
    const out = splitErrors(several);
    expect(out.fields).toEqual({ phone: t('rule.required'), body: t('rule.wa_body_too_long') });
    expect(out.fields.body).not.toContain('{');
    expect(out.general).toBeNull();
    expect(splitErrors(err('timeout', null)).general).toBe(t('error.timeout', { seconds: 60, minutes: 1 }));
  });

  it('can keep some fields general', () => {
    expect(splitErrors(err('not_found', 'id'), isValidation)).toEqual({ fields: {}, general: t('error.not_found') });
    expect(splitErrors(err('validation', 'type', 'required'), (e) => e.field !== 'type').general).toBe(
      t('rule.required')
    );
  });

  it('never shows what is not an error from the backend', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(splitErrors(new Error('boom')).general).toBe(t('error.internal'));
  });
});
