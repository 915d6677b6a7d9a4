import { describe, expect, it } from 'vitest';
import { codeText, locale, setLanguage, t, vendorText } from './index.svelte';
import { en } from './en';
import { es } from './es';
import { ptBR } from './pt-BR';

const catalogs = { en, es, 'pt-BR': ptBR };

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  for (const [lang, catalog] of Object.entries(catalogs)) {
    it(`${lang} has every message, none empty, with the same placeholders as English`, () => {
      for (const key of Object.keys(en) as (keyof typeof en)[]) {
        expect(catalog[key], `${lang}:${key}`).toBeTruthy();
        expect(placeholders(catalog[key]), `${lang}:${key}`).toEqual(placeholders(en[key]));
      }
    });
  }

  it('switching language changes what t() returns and fills placeholders', () => {
    setLanguage('es');
    expect(t('nav.checks')).toBe('Verificaciones');
    expect(t('settings.saved_key', { hint: '••••abcd' })).toBe('Clave guardada que termina en ••••abcd');
    setLanguage('pt-BR');
    expect(t('nav.settings')).toBe('Configurações');
    expect(document.documentElement.lang).toBe('pt-BR');
    setLanguage('en');
    expect(locale.lang).toBe('en');
  });

  it('codes from the backend or a vendor read as words, and an unknown one as it came', () => {
    setLanguage('es');
    expect(codeText('country.', 'CO')).toBe(t('country.CO'));
    expect(codeText('wa.status_', 'approved', '_long')).toBe(t('wa.status_approved_long'));
    expect(codeText('wa.status_', 'SOMETHING_NEW')).toBe('SOMETHING_NEW');
    expect(codeText('country.', null)).toBe('');
    // A vendor's code OpsDesk does not know is shown as the vendor wrote it, marked as such.
    expect(vendorText('status.', 'completed')).toBe(t('status.completed'));
    expect(vendorText('status.', 'on_hold')).toBe('«on_hold» (sin traducir)');
    expect(vendorText('status.', '')).toBe('');
    setLanguage('en');
  });

  it("writes counts the language's way", () => {
    setLanguage('es');
    expect(t('bulk.preview_counts', { valid: 200000, invalid: 3 })).toContain('200.000');
    setLanguage('en');
    expect(t('bulk.preview_counts', { valid: 200000, invalid: 3 })).toContain('200,000');
  });
});
