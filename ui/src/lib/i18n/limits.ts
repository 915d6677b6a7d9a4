// The rule limits as message parameters. Bundles write `{limit_body}`, never the number, so a
// limit changed in the Rust rules (generated into bindings/whatsappRules.ts) reaches every
// sentence that states it, in every language. The other rules' limits (list files, Caller ID,
// checks, settings) come the same way from crates/core/src/limits.rs (bindings/ruleLimits.ts).
import { RULE_LIMITS } from '../bindings/ruleLimits';
import { LIMITS } from '../bindings/whatsappRules';
import { numberFormat } from './intl';

const PREFIX = 'limit_';
const cache = new Map<string, Record<string, string>>();

/**
 * Each of LIMITS as `limit_<name>`, written the way `lang` writes numbers. Thousands are always
 * grouped: Spanish would otherwise leave four-digit numbers ungrouped, unlike the other two.
 */
export function limitParams(lang: string): Record<string, string> {
  let params = cache.get(lang);
  if (!params) {
    const n = numberFormat(lang, { useGrouping: 'always' });
    params = Object.fromEntries(
      Object.entries({ ...LIMITS, ...RULE_LIMITS }).map(([k, v]) => [`${PREFIX}${k}`, n.format(v)])
    );
    cache.set(lang, params);
  }
  return params;
}
