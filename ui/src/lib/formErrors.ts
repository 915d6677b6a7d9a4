// What a form's backend call threw, split the way the forms show it: a message next to each
// field the backend named (by field path, as the form kit looks them up) and one for the rest.
import type { AppError } from './bindings/AppError';
import { tick } from 'svelte';
import { fieldProblems } from './errors';

export type SplitErrors = { fields: Record<string, string>; general: string | null };

/**
 * `thrown` is one error, with every problem inside it when validation found several.
 * `placed` says which errors with a field go next to it; the others become the general message
 * (the last one wins, as only one is shown).
 */
export function splitErrors(thrown: unknown, placed: (e: AppError) => boolean = () => true): SplitErrors {
  const out: SplitErrors = { fields: {}, general: null };
  for (const p of fieldProblems(thrown)) {
    if (p.field && placed(p.error)) out.fields[p.field] = p.text;
    else out.general = p.text;
  }
  return out;
}

/** Errors of this kind are about what was typed, so they go next to the field. */
export const isValidation = (e: AppError): boolean => e.code === 'validation';

/**
 * After a submit with problems, moves the keyboard focus to the first field marked invalid in
 * the page's main area, so the eye (and a screen reader) lands on what needs fixing, not on the
 * button that was pressed. Waits for the messages to be drawn first.
 */
export async function focusFirstProblem(): Promise<void> {
  await tick();
  const el = document.querySelector<HTMLElement>('main [aria-invalid="true"]');
  el?.focus();
  el?.scrollIntoView({ block: 'center' });
}
