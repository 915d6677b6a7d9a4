// Plain-language helpers for check results.
import type { CheckSubject } from '$lib/bindings/CheckSubject';
import type { MessageKey } from '$lib/i18n/en';
import { codeText, locale } from '$lib/i18n/index.svelte';
import { numberFormat } from '$lib/i18n/intl';

export type RiskBand = 'pending' | 'low' | 'medium' | 'high';

/** 0 = high risk … 1 = low risk; -1 = not computed yet. */
export function riskBand(score: number): RiskBand {
  if (score < 0) return 'pending';
  if (score >= 0.8) return 'low';
  if (score >= 0.5) return 'medium';
  return 'high';
}

export function riskKey(score: number): MessageKey {
  return `risk.${riskBand(score)}`;
}

/** Shown the way the Truora dashboard does: 0–10. */
export function scoreOutOfTen(score: number): string {
  if (score < 0) return '—';
  // One decimal, with the language's decimal mark (6,3 in Spanish and Portuguese).
  return numberFormat(locale.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(
    Math.round(score * 100) / 10
  );
}

export const FINAL = new Set(['completed', 'error']);

/** Proper names of identity documents; the same in every language. */
export const DOC_NAME: Record<string, string> = {
  CO: 'CC',
  MX: 'CURP',
  BR: 'CPF',
  CL: 'RUT',
  PE: 'DNI',
  AR: 'DNI',
  CR: 'Cédula',
  EC: 'Cédula',
  ALL: '—'
};
export const TAX_NAME: Record<string, string> = {
  CO: 'NIT',
  MX: 'RFC',
  BR: 'CNPJ',
  EC: 'RUC',
  CL: 'RUT',
  PE: 'RUC',
  AR: 'CUIT',
  CR: 'Cédula jurídica',
  ALL: '—'
};
export const COUNTRIES = ['CO', 'MX', 'BR', 'CL', 'PE', 'CR', 'EC', 'AR', 'ALL'];
export const BR_REGIONS = [
  'ALL',
  'AC',
  'AL',
  'AP',
  'AM',
  'BA',
  'CE',
  'DF',
  'ES',
  'GO',
  'MA',
  'MT',
  'MS',
  'MG',
  'PA',
  'PB',
  'PR',
  'PE',
  'PI',
  'RJ',
  'RN',
  'RS',
  'RO',
  'RR',
  'SC',
  'SP',
  'SE',
  'TO'
];

/** What a check can be about, in the order the forms offer them. */
export const SUBJECTS: CheckSubject[] = [
  'person',
  'foreign_person',
  'person_alternative',
  'company',
  'vehicle',
  'foreign_vehicle'
];

/** How often a check can repeat (continuous checks and the form's "repeat automatically"). */
export const FREQUENCIES = ['daily', 'weekly', 'monthly', 'yearly'];

/**
 * What a check is called on screen: the person's or company's name, or else what was checked
 * and its document ("Vehicle · ABC123"), never a 35-character ID when anything better exists.
 */
export function checkTitle(r: { subject: string; kind: string; document: string; check_id: string }): string {
  return r.subject || `${codeText('subject.', r.kind)} · ${r.document || r.check_id}`;
}
