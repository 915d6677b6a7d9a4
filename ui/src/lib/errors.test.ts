import { describe, expect, it, vi } from 'vitest';
import { errorField, errorText } from './errors';
import { setLanguage } from './i18n/index.svelte';

describe('errorText', () => {
  it('explains a validation rule at its field', () => {
    setLanguage('en');
    const e = {
      code: 'validation',
      message: 'x',
      field: 'truora_api_key',
      rule: 'not_a_truora_key',
      retry_after_secs: null
    };
    expect(errorText(e)).toContain('does not look like a Truora API key');
    expect(errorField(e)).toBe('truora_api_key');
  });

  it('tells when the Truecaller token budget frees up, in minutes', () => {
    setLanguage('es');
    const e = { code: 'token_budget', message: 'x', field: null, rule: null, retry_after_secs: 125 };
    expect(errorText(e)).toContain('3 minutos');
  });

  it('never shows raw text from something that is not an app error', () => {
    setLanguage('en');
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const text = errorText(new Error('TypeError: cannot read properties of undefined (reading "x") at 0x7ff'));
    expect(text).not.toContain('TypeError');
    expect(text).toContain('Something went wrong');
    expect(errorField('boom')).toBeNull();
  });
});
