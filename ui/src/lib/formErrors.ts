// What a form's backend call threw, split the way the forms show it: a message next to each
// field the backend named (by field path, as the form kit looks them up) and one for the rest.
import type { AppError } from './bindings/AppError';
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
