import { describe, expect, it } from 'vitest';
import { setLanguage } from '../i18n/index.svelte';
import { exportLabels, reasonsText } from './reasons';

describe('row reasons', () => {
  it('puts every kind of reason in the operator language', () => {
    setLanguage('es');
    const text = reasonsText(
      [
        { kind: 'rule', field: 'phone_number', rule: 'not_a_phone' },
        { kind: 'bulk', what: 'duplicate_in_file' },
        { kind: 'error', code: 'rate_limited' },
        { kind: 'delivery', why: 'not_truecaller_user' },
        { kind: 'vendor', text: 'quota exceeded for this label' }
      ],
      'truecaller'
    );
    expect(text).not.toMatch(/not_a_phone|duplicate_in_file|rate_limited|phone_number|not_truecaller_user/);
    expect(text).toContain('no usa Truecaller');
    // Words without a translation are said as Truecaller's, not passed off as ours.
    expect(text).toContain('Respuesta de Truecaller (en sus palabras, sin traducir): «quota exceeded for this label»');
    expect(text.split(' · ')).toHaveLength(5);
  });

  it('gives the export words for the engine reasons even when no row showed them', () => {
    setLanguage('pt-BR');
    const labels = exportLabels([{ kind: 'rule', field: 'opt_in', rule: 'wa_opt_in_required' }]);
    const kinds = labels.reasons.map(([r]) => (r.kind === 'bulk' ? r.what : r.kind));
    expect(kinds).toContain('app_stopped');
    expect(kinds).toContain('rule');
    expect(labels.states.failed).toBeTruthy();
    expect(labels.reasons.every(([, words]) => words.length > 0)).toBe(true);
  });

  it("names a check row's field and says a list of checks in its own words", () => {
    setLanguage('es');
    const text = reasonsText(
      [
        { kind: 'rule', field: 'national_id', rule: 'digits_only' },
        { kind: 'bulk', what: 'duplicate_in_file' }
      ],
      'checks'
    );
    expect(text).toContain('Documento de identidad:');
    expect(text).not.toMatch(/national_id|\(\)|número aparece/);
    expect(text).toContain('La misma persona aparece antes');
    expect(exportLabels([], 'checks').states.done).toBe('Verificación creada');
  });

  it('says a template value by its variable, never by its field path', () => {
    setLanguage('es');
    const text = reasonsText(
      [
        { kind: 'rule', field: 'values.name', rule: 'required' },
        { kind: 'rule', field: 'some_internal_path', rule: 'required' }
      ],
      'whatsapp'
    );
    expect(text).toContain('Valor para name:');
    expect(text).not.toMatch(/values\.|some_internal_path/);
  });
});
