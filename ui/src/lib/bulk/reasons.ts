// Row reasons come from the backend as keys: `rule:<field>:<rule>`, `error:<code>`, `bulk:<what>`.
import type { ExportLabels } from '../bindings/ExportLabels';
import { codeText, hasKey, t } from '../i18n/index.svelte';

export function reasonText(key: string): string {
  // The vendor's own words (spaces were kept as non-breaking ones to stay one key).
  if (key.startsWith('vendor:')) return key.slice(7).replace(/\u00a0/g, ' ');
  const [kind, a, b] = key.split(':');
  if (kind === 'rule' && b) {
    // Some rules read differently for a row of a file than for a form field.
    if (hasKey(`bulk.rule_${b}`)) return codeText('bulk.rule_', b);
    const rule = codeText('rule.', b);
    const field = codeText('bulk.field_', a);
    return `${field}: ${rule}`;
  }
  if (kind === 'error' && a && hasKey(`error.${a}`)) return codeText('error.', a, '', { seconds: 60, minutes: 1 });
  if (kind === 'bulk' && a && hasKey(`bulk.reason_${a}`)) return codeText('bulk.reason_', a);
  return key;
}

export function reasonsText(keys: string | null | undefined): string {
  return (keys ?? '').split(' ').filter(Boolean).map(reasonText).join(' · ');
}

export const ROW_STATES = ['pending', 'in_flight', 'done', 'failed', 'uncertain', 'invalid', 'skipped'] as const;

/** The export's words, in the user's language, for every reason it may contain. */
export function exportLabels(reasonKeys: string[]): ExportLabels {
  const states: Record<string, string> = {};
  for (const s of ROW_STATES) states[s] = codeText('bulk.row_', s);
  const reasons: Record<string, string> = {};
  for (const k of reasonKeys) reasons[k] = reasonText(k);
  return { result: t('bulk.col_result'), reason: t('bulk.col_reason'), states, reasons };
}
