// Plain-language helpers for identity processes.
import type { FlowEntry } from '$lib/bindings/FlowEntry';
import { t } from '$lib/i18n/index.svelte';

/** How the inbox files processes (the backend's `outcome`). */
export const OUTCOMES = ['success', 'failure', 'expired', 'pending', 'overridden'] as const;

/** A flow by the name the user gave it, or a short, recognisable stand-in until then. */
export function flowLabel(flowId: string, flows: FlowEntry[]): string {
  if (!flowId) return '';
  const named = flows.find((f) => f.flow_id === flowId)?.name;
  return named || t('identity.flows.unnamed', { end: flowId.slice(-6) });
}
