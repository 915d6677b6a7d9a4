// Why a row of a list did not go out, in the user's language. Reasons come from the backend as
// typed values (`RowReason`): a rule broken at a field, an error code, a list reason, or the
// vendor's own words.
import type { BulkReason } from '../bindings/BulkReason';
import type { BulkRowState } from '../bindings/BulkRowState';
import type { DeliveryFailure } from '../bindings/DeliveryFailure';
import type { ExportLabels } from '../bindings/ExportLabels';
import type { RowReason } from '../bindings/RowReason';
import { errorText, ruleText } from '../errors';
import { codeText, hasKey, t, type MessageKey } from '../i18n/index.svelte';

/** Every list reason has words: a missing one is a type error here. */
const BULK_REASONS: Record<BulkReason, MessageKey> = {
  duplicate_in_file: 'bulk.reason_duplicate_in_file',
  no_answer: 'bulk.reason_no_answer',
  already_sent: 'bulk.reason_already_sent',
  maybe_sent: 'bulk.reason_maybe_sent',
  app_stopped: 'bulk.reason_app_stopped',
  left_unsent: 'bulk.reason_left_unsent',
  opted_out: 'bulk.reason_opted_out',
  erased: 'bulk.reason_erased'
};

/** Every cause Truecaller gives for a record it could not deliver has words here. */
const DELIVERY: Record<DeliveryFailure, MessageKey> = {
  invalid_input: 'bulk.delivery.invalid_input',
  not_truecaller_user: 'bulk.delivery.not_truecaller_user',
  os_not_supported: 'bulk.delivery.os_not_supported',
  app_version_not_supported: 'bulk.delivery.app_version_not_supported',
  push_failed: 'bulk.delivery.push_failed'
};

/** Who answered a row of this kind of list. */
function vendorOf(kind: string): string {
  return kind === 'truecaller' ? 'Truecaller' : 'Truora';
}

/** Words a kind of list says its own way (`bulk.checks.row_done`), else the common ones. */
export function kindText(kind: string, key: string, params: Record<string, string | number> = {}): string {
  const own = `bulk.${kind}.${key}`;
  return hasKey(own) ? t(own, params) : codeText('bulk.', key, '', params);
}

/** A field of a row in words: the list's own name for it, else the check form's label. */
function fieldText(field: string): string {
  const forList = `bulk.field_${field}`;
  if (hasKey(forList)) return t(forList);
  // The form's labels name the country's document ("National ID (cédula)"): a list may hold
  // several countries, so the name is left out.
  const forForm = `field.${field}`;
  if (hasKey(forForm)) return t(forForm, { doc: '', tax: '' }).replace(/\s*\(\)/, '');
  // A template variable's value (`values.name`): said as the send form says it.
  const variable = /^(?:values|variables|samples)\.(.+)$/.exec(field);
  if (variable) return t('wa.value_for', { name: variable[1] ?? '' });
  // A field path is never shown: the sentence alone is better than "national_id: …".
  return '';
}

/** `Field: sentence`, or the sentence alone when the field has no words. */
function withField(field: string, sentence: string): string {
  const name = fieldText(field);
  return name ? `${name}: ${sentence}` : sentence;
}

/** Row sentences that need the field said before them (a file has several dates). */
const NAMES_ITS_FIELD = new Set<string>(['not_a_date']);

export function reasonText(r: RowReason, kind = ''): string {
  switch (r.kind) {
    case 'rule': {
      // Some rules read differently for a row of a file than for a form field.
      const forRow = `bulk.rule_${r.rule}`;
      if (hasKey(forRow)) return NAMES_ITS_FIELD.has(r.rule) ? withField(r.field, t(forRow)) : t(forRow);
      return withField(r.field, ruleText(r.rule));
    }
    case 'error':
      return errorText({
        code: r.code,
        message: '',
        field: null,
        rule: null,
        retry_after_secs: null,
        problems: []
      });
    case 'bulk': {
      const own = `bulk.${kind}.reason_${r.what}`;
      return hasKey(own) ? t(own) : t(BULK_REASONS[r.what]);
    }
    case 'delivery':
      return t(DELIVERY[r.why]);
    case 'vendor':
      // Words OpsDesk has no translation for: said as the vendor's, not as ours.
      return t('bulk.vendor_words', { vendor: vendorOf(kind), text: r.text });
  }
}

export function reasonsText(reasons: RowReason[], kind = ''): string {
  return reasons.map((r) => reasonText(r, kind)).join(' · ');
}

export const ROW_STATES: BulkRowState[] = ['pending', 'in_flight', 'done', 'failed', 'uncertain', 'invalid', 'skipped'];

/** Reasons the engine itself gives, whichever rows the export meets. */
export const ENGINE_REASONS: RowReason[] = (Object.keys(BULK_REASONS) as BulkReason[]).map((what) => ({
  kind: 'bulk',
  what
}));

/** The export's words, in the user's language, for every reason it may contain. */
export function exportLabels(reasons: RowReason[], kind = ''): ExportLabels {
  const states: { [key in BulkRowState]?: string } = {};
  for (const s of ROW_STATES) states[s] = kindText(kind, `row_${s}`);
  const seen = new Map<string, RowReason>();
  // Truecaller's causes too: the export may hold rows the screen never showed.
  const delivery: RowReason[] = (Object.keys(DELIVERY) as DeliveryFailure[]).map((why) => ({ kind: 'delivery', why }));
  for (const r of [...ENGINE_REASONS, ...delivery, ...reasons]) seen.set(JSON.stringify(r), r);
  return {
    result: t('bulk.col_result'),
    reason: t('bulk.col_reason'),
    file_suffix: kindText(kind, 'export_file_suffix'),
    states,
    reasons: [...seen.values()].map((r) => [r, reasonText(r, kind)])
  };
}
