// What a template will look like on the person's phone: samples put in place of the
// `{{.variables}}`, the fixed texts of authentication templates, and the buttons as WhatsApp
// draws them. Pure functions so the preview can be tested without a window.
import type { ButtonKind } from '../bindings/ButtonKind';
import type { Category } from '../bindings/Category';
import type { TemplateButton } from '../bindings/TemplateButton';
import type { TemplateType } from '../bindings/TemplateType';
import { AUTH_BODY, AUTH_FOOTER } from '../bindings/whatsappRules';

export type Segment = { text: string; variable?: string; missing?: boolean };

/** Splits `text` into plain runs and variables, each variable replaced by its sample. */
export function fill(text: string, samples: Record<string, string>): Segment[] {
  const out: Segment[] = [];
  const re = /\{\{\.([A-Za-z_][A-Za-z0-9_]*)\}\}/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    const name = m[1] ?? '';
    const sample = samples[name]?.trim();
    out.push(sample ? { text: sample, variable: name } : { text: `[${name}]`, variable: name, missing: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

export function plain(segments: Segment[]): string {
  return segments.map((s) => s.text).join('');
}

/** Authentication templates: body and expiry footer are fixed per language (the texts come
 * from the Rust rules, generated into the bindings). */
export function authBody(lang: string): string {
  return AUTH_BODY[lang] ?? AUTH_BODY.es ?? '';
}

export function authFooter(lang: string, minutes: number): string {
  return (AUTH_FOOTER[lang] ?? AUTH_FOOTER.es ?? '').replace('{minutes}', String(minutes));
}

/** WhatsApp labels the copy-code button itself, in the template's language. */
export function copyCodeLabel(lang: string): string {
  return lang === 'en' ? 'Copy code' : 'Copiar código';
}

export type PreviewButton = { kind: ButtonKind | 'MORE'; label: string };

export interface PreviewInput {
  category: Category;
  language: string;
  template_type: TemplateType;
  header: string;
  body: string;
  footer: string;
  buttons: TemplateButton[];
  code_expiration_minutes: number | null;
  samples: Record<string, string>;
}

export interface PreviewModel {
  media: TemplateType | null;
  header: Segment[] | null;
  body: Segment[];
  footer: string | null;
  buttons: PreviewButton[];
}

/** On phones WhatsApp shows at most three buttons; with more, the third opens the full list. */
const SHOWN = 3;

export function previewOf(d: PreviewInput, moreLabel: string): PreviewModel {
  const auth = d.category === 'AUTHENTICATION';
  const media = d.template_type === 'TEXT' ? null : d.template_type;
  const header = !auth && !media && d.header.trim() ? fill(d.header, d.samples) : null;
  const body = fill(auth ? authBody(d.language) : d.body, d.samples);
  const footer = auth
    ? d.code_expiration_minutes
      ? authFooter(d.language, d.code_expiration_minutes)
      : null
    : d.footer.trim() || null;
  const all: PreviewButton[] = auth
    ? [{ kind: 'COPY_CODE', label: copyCodeLabel(d.language) }]
    : d.buttons.map((b) => ({
        kind: b.kind,
        label: b.kind === 'COPY_CODE' ? copyCodeLabel(d.language) : b.text.trim() || '…'
      }));
  const buttons = all.length > SHOWN ? [...all.slice(0, SHOWN - 1), { kind: 'MORE' as const, label: moreLabel }] : all;
  return { media, header, body, footer, buttons };
}

export const BUTTON_ICON: Record<ButtonKind | 'MORE', string> = {
  QUICK_REPLY: '↩',
  URL: '↗',
  PHONE_NUMBER: '☎',
  COPY_CODE: '⧉',
  MORE: '☰'
};
