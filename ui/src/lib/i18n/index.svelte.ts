// Translations. `t()` reads the current language from reactive state, so any template that calls
// it re-renders when the language changes.
import type { Language } from '../bindings/Language';
import { en, type MessageKey } from './en';
import { limitParams } from './limits';
import { dateTimeFormat, numberFormat } from './intl';

export type { MessageKey };

// English is in the page from the start (every other bundle falls back to it); Spanish and
// Portuguese are fetched when chosen, so a start-up parses one bundle of words, not three.
const loaded: Partial<Record<Language, Record<MessageKey, string>>> = { en };
const fetchers: Record<Language, () => Promise<Record<MessageKey, string>>> = {
  en: async () => en,
  es: () => import('./es').then((m) => m.es),
  'pt-BR': () => import('./pt-BR').then((m) => m.ptBR)
};

export const languages: { code: Language; label: string }[] = [
  { code: 'es', label: 'Español' },
  { code: 'pt-BR', label: 'Português (Brasil)' },
  { code: 'en', label: 'English' }
];

export const locale = $state<{ lang: Language }>({ lang: 'en' });

/** Fetches a language's words, once. */
export async function loadLanguage(lang: Language): Promise<void> {
  loaded[lang] ??= await fetchers[lang]();
}

/**
 * Switches the app's language. A bundle not fetched yet is fetched first and the switch
 * happens after, so no screen is ever drawn half in one language; one already fetched
 * switches at once.
 */
let wanted: Language = 'en';
export function setLanguage(lang: Language): Promise<void> {
  wanted = lang;
  const apply = () => {
    // Another language was chosen while this one's words were on their way: that one wins.
    if (wanted !== lang) return;
    locale.lang = lang;
    if (typeof document !== 'undefined') document.documentElement.lang = lang;
  };
  if (loaded[lang]) {
    apply();
    return Promise.resolve();
  }
  return loadLanguage(lang).then(apply);
}

/**
 * The message for `key` in the current language, with `{name}` placeholders filled from
 * `params`. The rule limits (`{limit_body}`…) are filled in here for every message, wherever it
 * is shown: a rule's message reaches the screen through several lookups (field errors, file
 * rows), and each would otherwise have to pass them. Numbers are written the language's way
 * ("200.000 filas", "200,000 rows").
 */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = loaded[locale.lang]?.[key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (m, name: string) => {
    if (!(name in params)) return limitParams(locale.lang)[name] ?? m;
    const v = params[name];
    return typeof v === 'number' ? formatNumber(v) : String(v);
  });
}

export function hasKey(key: string): key is MessageKey {
  return key in en;
}

/**
 * The words for a code that comes from the backend or a vendor (a country, a status, a database):
 * the translation of `prefix + code + suffix` when the bundles have one, otherwise the code as it
 * came. A vendor's own word is better than an internal key, and a new code never breaks a screen.
 */
export function codeText(
  prefix: string,
  code: string | null | undefined,
  suffix = '',
  params: Record<string, string | number> = {}
): string {
  if (code == null) return '';
  const key = `${prefix}${code}${suffix}`;
  return hasKey(key) ? t(key, params) : code;
}

/**
 * A vendor's code in words (a check status, a template's category, a number's status): the
 * translation when OpsDesk knows the code, and otherwise the vendor's own word, marked as not
 * translated, so a new code neither breaks a screen nor passes for OpsDesk's words.
 */
export function vendorText(prefix: string, code: string | null | undefined, suffix = ''): string {
  if (!code) return '';
  const key = `${prefix}${code}${suffix}`;
  return hasKey(key) ? t(key) : t('app.untranslated', { text: code });
}

/** A count as people read it in the app's language: 12.345 in Spanish, 12,345 in English. */
export function formatNumber(n: number): string {
  return numberFormat(locale.lang).format(n);
}

/** A calendar day (`2027-03-01`) the language's way ("1 mar 2027"); as given if not a date. */
export function formatDay(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  if (!y || !m || !d) return ymd;
  // In UTC, both ways: a formatter is kept for the session, and one made in another time zone
  // (the computer's was changed meanwhile) would otherwise show the day before.
  return dateTimeFormat(locale.lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
}

/** The operator's calendar day (`2027-03-01`), in local time: what "today" means on screen. */
// eslint-disable-next-line svelte/prefer-svelte-reactivity -- read once, never changed
export function localDay(d: Date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

export function formatTime(ms: number): string {
  return dateTimeFormat(locale.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}
