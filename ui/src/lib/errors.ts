// Turns whatever a backend call threw into a sentence in the user's language. Codes arrive typed
// (`ErrorCode`, `RuleCode`); each maps to a message key, and a code without a message is a type
// error here rather than a raw key on a screen.
import type { AppError } from './bindings/AppError';
import type { ErrorCode } from './bindings/ErrorCode';
import type { RuleCode } from './bindings/RuleCode';
import { t, type MessageKey } from './i18n/index.svelte';

/** Every error code, each with its message (`error.<code>` must exist in the bundles). */
const ERROR_KEYS: Record<ErrorCode, MessageKey> = {
  validation: 'error.validation',
  not_configured: 'error.not_configured',
  wrong_key: 'error.wrong_key',
  not_allowed: 'error.not_allowed',
  no_network: 'error.no_network',
  timeout: 'error.timeout',
  tls: 'error.tls',
  proxy: 'error.proxy',
  not_found: 'error.not_found',
  rate_limited: 'error.rate_limited',
  vendor_rejected: 'error.vendor_rejected',
  vendor_down: 'error.vendor_down',
  unexpected_response: 'error.unexpected_response',
  cancelled: 'error.cancelled',
  token_budget: 'error.token_budget',
  keyring_unavailable: 'error.keyring_unavailable',
  store_key_missing: 'error.store_key_missing',
  store_unreadable: 'error.store_unreadable',
  disk_full: 'error.disk_full',
  busy: 'error.busy',
  update_unverified: 'error.update_unverified',
  file_in_use: 'error.file_in_use',
  internal: 'error.internal'
};

/** The message of a rule: `rule.<code>`, which the type checker requires for every code. */
export function ruleKey(rule: RuleCode): MessageKey {
  return `rule.${rule}`;
}

export function ruleText(rule: RuleCode): string {
  return t(ruleKey(rule));
}

export function asAppError(e: unknown): AppError {
  if (e && typeof e === 'object' && 'code' in e && (e as AppError).code in ERROR_KEYS) {
    const err = e as AppError;
    return { ...err, problems: err.problems ?? [] };
  }
  // Not from our backend (a bug, or the IPC bridge itself failed): never show the raw text.
  console.error(e);
  return { code: 'internal', message: String(e), field: null, rule: null, retry_after_secs: null, problems: [] };
}

export function errorText(e: unknown): string {
  const err = asAppError(e);
  if (err.code === 'validation' && err.rule) return ruleText(err.rule);
  const seconds = err.retry_after_secs ?? 60;
  return t(ERROR_KEYS[err.code], { seconds, minutes: Math.max(1, Math.ceil(seconds / 60)) });
}

/** The field a validation error belongs next to, if any. */
export function errorField(e: unknown): string | null {
  const err = asAppError(e);
  return err.code === 'validation' ? err.field : null;
}

/**
 * Each field problem of an error with its sentence: every one when a form broke several rules
 * at once, otherwise the error itself.
 */
export function fieldProblems(e: unknown): { field: string | null; text: string; error: AppError }[] {
  const err = asAppError(e);
  if (err.problems.length > 1) {
    return err.problems.map((p) => ({
      field: p.field,
      text: ruleText(p.rule),
      error: { ...err, field: p.field, rule: p.rule, problems: [] }
    }));
  }
  return [{ field: err.field, text: errorText(err), error: err }];
}
