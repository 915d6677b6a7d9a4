// People and consent in words: what an erasure removed, how a consent was given, how a number
// came onto the do-not-contact list.
import type { ConsentView } from '../bindings/ConsentView';
import type { Erased } from '../bindings/Erased';
import type { OptOutView } from '../bindings/OptOutView';
import type { PersonRecord } from '../bindings/PersonRecord';
import { hasKey, t, type MessageKey } from '../i18n/index.svelte';

type Counted = 'checks' | 'processes' | 'sends' | 'list_rows' | 'callbacks' | 'consents' | 'activity' | 'files';
const COUNTED: Counted[] = ['checks', 'processes', 'sends', 'list_rows', 'callbacks', 'consents', 'activity', 'files'];

/** ["Background checks: 2", "Identity processes: 1"…] — only what there is. */
export function countsList(counts: Record<Counted, number>): string[] {
  // "Background checks: 1" reads right for any number, in every language.
  return COUNTED.filter((k) => counts[k] > 0).map((k) => `${t(`people.section.${k}`)}: ${counts[k]}`);
}

/** The same on one line. */
export function countsText(counts: Record<Counted, number>): string {
  const parts = countsList(counts);
  return parts.length ? parts.join(' · ') : t('people.count.nothing');
}

export function erasedText(e: Erased): string {
  return countsText(e);
}

export function recordCounts(r: PersonRecord): Record<Counted, number> {
  return {
    checks: r.checks.length,
    processes: r.processes.length,
    sends: r.sends.length,
    list_rows: r.list_rows.length,
    callbacks: r.callbacks.length,
    consents: r.consents.length,
    activity: r.activity.length,
    files: r.files.length
  };
}

export function consentText(c: ConsentView | null): string {
  if (!c) return t('people.consent.none');
  return t(`people.consent.${c.how}`, { file: c.file, row: c.row_no ?? '', column: c.column });
}

export function optOutHow(o: OptOutView): string {
  if (o.how === 'file') return t('people.opt_outs.how_file', { file: o.file });
  return t(o.how === 'erase' ? 'people.opt_outs.how_erase' : 'people.opt_outs.how_typed');
}

/** The words of the spreadsheet export: every key of the families it uses, in this language. */
export function exportWords(keys: readonly string[]): Record<string, string> {
  const prefixes = ['people.', 'status.', 'subject.', 'bulk.row_', 'identity.outcome.', 'action.', 'country.'];
  const words: Record<string, string> = {};
  for (const k of keys) if (prefixes.some((p) => k.startsWith(p)) && hasKey(k)) words[k] = t(k as MessageKey);
  return words;
}

/** An Activity entry's action in words (`action.<key>`), or "Other action". */
export function actionText(action: string): string {
  const key = `action.${action}`;
  return hasKey(key) ? t(key) : t('action.unknown');
}
