// The words of a list export (headers, statuses, countries…) in the app's language, and the
// language itself (it decides how a CSV writes decimals and separates cells).
import type { ListExportWords } from './bindings/ListExportWords';
import { en } from './i18n/en';
import { hasKey, locale, t, type MessageKey } from './i18n/index.svelte';

export function listWords(prefixes: string[]): ListExportWords {
  const words: Record<string, string> = {};
  for (const k of Object.keys(en))
    if (prefixes.some((p) => k.startsWith(p)) && hasKey(k)) words[k] = t(k as MessageKey);
  return { lang: locale.lang, words };
}
