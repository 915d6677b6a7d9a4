import { describe, expect, it } from 'vitest';
import { LIMITS } from '../bindings/whatsappRules';
import { setLanguage, t, type MessageKey } from './index.svelte';
import { en } from './en';
import { es } from './es';
import { ptBR } from './pt-BR';

const catalogs = { en, es, 'pt-BR': ptBR };
import { limitParams } from './limits';

describe('rule limits in messages', () => {
  it('come from the generated rules, written the way each language writes numbers', () => {
    setLanguage('en');
    expect(t('rule.wa_body_too_long')).toBe('At most 1,024 characters.');
    expect(t('wa.expiry_help')).toMatch(/^Between 1 and 90\./);
    setLanguage('es');
    expect(t('rule.wa_body_too_long')).toBe('Máximo 1.024 caracteres.');
    expect(t('wa.button_label')).toBe(`Texto del botón (hasta ${LIMITS.label} caracteres)`);
    setLanguage('pt-BR');
    expect(t('rule.wa_url_too_long')).toBe('No máximo 2.000 caracteres.');
    setLanguage('en');
  });

  it('every {limit_…} a bundle writes is a limit the rules export, and none is left unfilled', () => {
    for (const [lang, catalog] of Object.entries(catalogs)) {
      for (const [key, text] of Object.entries(catalog)) {
        for (const [, name] of text.matchAll(/\{(limit_\w+)\}/g)) {
          expect(limitParams(lang), `${lang}:${key}`).toHaveProperty(name as string);
        }
      }
      setLanguage(lang as keyof typeof catalogs);
      for (const key of Object.keys(catalog) as MessageKey[]) expect(t(key), `${lang}:${key}`).not.toMatch(/\{limit_/);
    }
    setLanguage('en');
  });

  it('a parameter given by the caller still wins', () => {
    expect(t('rule.wa_name_too_long', { limit_name: 7 })).toBe('At most 7 characters.');
  });
});
