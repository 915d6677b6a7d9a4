// Turns whatever a backend call threw into a sentence in the user's language.
import type { AppError } from './bindings/AppError';
import type { ErrorCode } from './bindings/ErrorCode';
import { hasKey, t } from './i18n/index.svelte';

const CODES: ErrorCode[] = [
  'validation', 'not_configured', 'wrong_key', 'not_allowed', 'no_network', 'timeout', 'tls', 'proxy',
  'not_found', 'rate_limited', 'vendor_rejected', 'vendor_down', 'unexpected_response', 'cancelled',
  'token_budget', 'keyring_unavailable', 'store_key_missing', 'store_unreadable', 'disk_full', 'internal'
];

export function asAppError(e: unknown): AppError {
  if (e && typeof e === 'object' && 'code' in e && CODES.includes((e as AppError).code)) {
    return e as AppError;
  }
  // Not from our backend (a bug, or the IPC bridge itself failed): never show the raw text.
  console.error(e);
  return { code: 'internal', message: String(e), field: null, rule: null, retry_after_secs: null };
}

export function errorText(e: unknown): string {
  const err = asAppError(e);
  if (err.code === 'validation' && err.rule) {
    const key = `rule.${err.rule}`;
    return hasKey(key) ? t(key) : t('error.validation');
  }
  const seconds = err.retry_after_secs ?? 60;
  return t(`error.${err.code}`, { seconds, minutes: Math.max(1, Math.ceil(seconds / 60)) });
}

/** The field a validation error belongs next to, if any. */
export function errorField(e: unknown): string | null {
  const err = asAppError(e);
  return err.code === 'validation' ? err.field : null;
}
