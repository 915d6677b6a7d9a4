// The template editor's draft: a blank one, one copied from an existing template, and the one
// actually sent (parts hidden by the category or type left out).
import type { TemplateDraft } from '../bindings/TemplateDraft';
import type { TemplateView } from '../bindings/TemplateView';

export function emptyDraft(): TemplateDraft {
  return {
    line: '',
    name: '',
    language: 'es',
    category: 'MARKETING',
    is_notification: false,
    template_type: 'TEXT',
    media_id: '',
    media: null,
    header: '',
    body: '',
    footer: '',
    buttons: [],
    code_expiration_minutes: null,
    samples: {}
  };
}

/**
 * The expiry box's value as minutes. A number input bound with `bind:value` hands back a
 * number (or null when empty), while a copied template fills it with text: accept both.
 */
export function expiryMinutes(expiry: string | number | null): number | null {
  const s = String(expiry ?? '').trim();
  return s === '' ? null : Number(s);
}

/**
 * The draft as it will be sent: parts hidden by the category or type are left out (and kept
 * in the form, in case the user switches back).
 */
export function effectiveDraft(d: TemplateDraft, expiry: string | number | null): TemplateDraft {
  // Only top-level parts are replaced, so a shallow copy leaves `d` as it was.
  const x = { ...d };
  x.code_expiration_minutes = expiryMinutes(expiry);
  if (x.category === 'AUTHENTICATION') {
    x.body = '';
    x.header = '';
    x.footer = '';
    x.buttons = [];
  } else {
    x.code_expiration_minutes = null;
  }
  if (x.template_type !== 'TEXT') x.header = '';
  else {
    x.media_id = '';
    x.media = null;
  }
  return x;
}

/** What "Duplicate" takes from an existing template: its parts, named `<name>_v2`, and its expiry. */
export function copyOf(src: TemplateView): { parts: Partial<TemplateDraft>; expiry: string } {
  const parts: Partial<TemplateDraft> = {
    name: `${src.name}_v2`,
    line: `+${src.line}`,
    language: src.language ?? 'es',
    is_notification: src.is_notification,
    header: src.header,
    body: src.category === 'AUTHENTICATION' ? '' : src.body,
    footer: src.footer,
    buttons: src.buttons
  };
  if (src.category === 'MARKETING' || src.category === 'UTILITY' || src.category === 'AUTHENTICATION') {
    parts.category = src.category;
  }
  return { parts, expiry: src.code_expiration_minutes ? String(src.code_expiration_minutes) : '' };
}
