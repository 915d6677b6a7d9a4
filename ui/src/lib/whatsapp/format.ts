// Shared wording and small helpers for the WhatsApp screens.
import type { Category } from '../bindings/Category';
import type { TemplateStatus } from '../bindings/TemplateStatus';
import type { TemplateType } from '../bindings/TemplateType';
import type { TemplateView } from '../bindings/TemplateView';
import type { PreviewInput } from './preview';
import { regionNames } from '../i18n/intl';

export const LANGUAGES = ['es', 'en', 'pt_BR'] as const;

/** Chip colour per status: what the operator can do with it. */
export function statusTone(s: TemplateStatus): string {
  if (s === 'approved') return 'good';
  if (s === 'flagged' || s === 'pending') return 'warn';
  if (s === 'unknown') return 'muted';
  return 'bad';
}

export function qualityTone(q: string | null): string {
  if (q === 'HIGH') return 'good';
  if (q === 'MEDIUM') return 'warn';
  if (q === 'LOW') return 'bad';
  return 'muted';
}

/** `576015550100` → `+57 601 555 0100`-ish: readable, without pretending to know every plan. */
export function showLine(digits: string): string {
  const d = digits.replace(/\D/g, '');
  if (d.length < 8) return `+${d}`;
  const cc = d.length > 10 ? d.slice(0, d.length - 10) : d.slice(0, 2);
  const rest = d.slice(cc.length);
  return `+${cc} ${rest.slice(0, 3)} ${rest.slice(3, 6)} ${rest.slice(6)}`.trim();
}

/** Remembers the line last used, across the WhatsApp screens. */
export function rememberedLine(lines: string[]): string {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem('wa.line') : null;
  return saved && lines.includes(saved) ? saved : (lines[0] ?? '');
}

export function rememberLine(line: string): void {
  if (typeof localStorage !== 'undefined') localStorage.setItem('wa.line', line);
}

/** Dialling codes offered first: where OpsDesk's users work. */
export const COUNTRIES: { iso: string; code: string }[] = [
  { iso: 'CO', code: '+57' },
  { iso: 'MX', code: '+52' },
  { iso: 'BR', code: '+55' },
  { iso: 'CL', code: '+56' },
  { iso: 'PE', code: '+51' },
  { iso: 'AR', code: '+54' },
  { iso: 'EC', code: '+593' },
  { iso: 'CR', code: '+506' },
  { iso: 'GT', code: '+502' },
  { iso: 'PA', code: '+507' },
  { iso: 'DO', code: '+1' },
  { iso: 'UY', code: '+598' },
  { iso: 'BO', code: '+591' },
  { iso: 'PY', code: '+595' },
  { iso: 'VE', code: '+58' },
  { iso: 'IN', code: '+91' },
  { iso: 'US', code: '+1' },
  { iso: 'ES', code: '+34' },
  { iso: 'PT', code: '+351' }
];

/** The country's name in the user's language, from the platform's own list. */
export function countryName(iso: string, lang: string): string {
  try {
    return regionNames(lang).of(iso) ?? iso;
  } catch {
    return iso;
  }
}

const CATEGORIES: readonly Category[] = ['MARKETING', 'UTILITY', 'AUTHENTICATION'];
const TEMPLATE_TYPES: readonly TemplateType[] = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT'];

/** A template's category as the backend cached it, for the preview (an unknown one previews as utility). */
export function asCategory(s: string | null): Category {
  return CATEGORIES.find((c) => c === s) ?? 'UTILITY';
}

/** A template's type as the backend cached it, for the preview (an unknown one previews as text). */
export function asTemplateType(s: string | null): TemplateType {
  return TEMPLATE_TYPES.find((x) => x === s) ?? 'TEXT';
}

/** A saved template as the preview draws it, with `samples` in place of its variables. */
export function templatePreview(v: TemplateView, samples: Record<string, string>): PreviewInput {
  return {
    category: asCategory(v.category),
    language: v.language ?? 'es',
    template_type: asTemplateType(v.template_type),
    header: v.header,
    body: v.body,
    footer: v.footer,
    buttons: v.buttons,
    code_expiration_minutes: v.code_expiration_minutes,
    samples
  };
}
