// Row reasons come from the backend as keys: `rule:<field>:<rule>`, `error:<code>`, `bulk:<what>`.
import type { ExportLabels } from '../bindings/ExportLabels';
import { hasKey, t } from '../i18n/index.svelte';

export function reasonText(key: string): string {
  // The vendor's own words (spaces were kept as non-breaking ones to stay one key).
  if (key.startsWith('vendor:')) return key.slice(7).replace(/\u00a0/g, ' ');
  const [kind, a, b] = key.split(':');
  if (kind === 'rule' && b) {
    // Some rules read differently for a row of a file than for a form field.
    if (hasKey(`bulk.rule_${b}`)) return t(`bulk.rule_${b}` as never);
    const rule = hasKey(`rule.${b}`) ? t(`rule.${b}` as never) : b;
    const field = hasKey(`bulk.field_${a}`) ? t(`bulk.field_${a}` as never) : a;
    return `${field}: ${rule}`;
  }
  if (kind === 'error' && a && hasKey(`error.${a}`)) return t(`error.${a}` as never, { seconds: 60, minutes: 1 });
  if (kind === 'bulk' && a && hasKey(`bulk.reason_${a}`)) return t(`bulk.reason_${a}` as never);
  return key;
}

export function reasonsText(keys: string | null | undefined): string {
  return (keys ?? '').split(' ').filter(Boolean).map(reasonText).join(' · ');
}

export const ROW_STATES = ['pending', 'in_flight', 'done', 'failed', 'uncertain', 'invalid', 'skipped'] as const;

/** The export's words, in the user's language, for every reason it may contain. */
export function exportLabels(reasonKeys: string[]): ExportLabels {
  const states: Record<string, string> = {};
  for (const s of ROW_STATES) states[s] = t(`bulk.row_${s}` as never);
  const reasons: Record<string, string> = {};
  for (const k of reasonKeys) reasons[k] = reasonText(k);
  return { result: t('bulk.col_result'), reason: t('bulk.col_reason'), states, reasons };
}
