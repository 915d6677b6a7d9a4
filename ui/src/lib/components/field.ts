// Shared by the form kit (FieldShell, Field, TextArea, Select).

/**
 * A form's messages by field path, the way the backend names fields in `AppError.field`:
 * `name`, `buttons.0.text`, `samples.day`. A missing or empty entry means "no problem".
 */
export type FieldErrors = Record<string, string | null | undefined>;

/**
 * The element id for a field path: `buttons.0.text` → `f-buttons-0-text`. The forms have always
 * named their inputs this way, and the end-to-end tests find them by these ids.
 */
export function fieldId(path: string): string {
  return `f-${path.replaceAll('.', '-')}`;
}

/** The attributes a control needs to be tied to its label, help, counter and error. */
export type ControlAttrs = {
  id: string;
  'aria-invalid': 'true' | undefined;
  'aria-describedby': string | undefined;
};

/** Props every field of the kit takes, whatever its control. */
export type FieldProps = {
  /** Where the message comes from in `errors`; also gives the id when `id` is not set. */
  path?: string;
  /** The control's id; defaults to `fieldId(path)`. */
  id?: string;
  label: string | import('svelte').Snippet;
  help?: string;
  /** Marks the label "(optional)". */
  optional?: boolean;
  /** Shows a "length / limit" counter under the control (in characters as people count them). */
  limit?: number;
  /** The message to show; when not set, it is looked up in `errors` by `path`. */
  error?: string | null;
  errors?: FieldErrors;
};

const SHELL_PROPS = ['path', 'id', 'label', 'help', 'optional', 'limit', 'error', 'errors'] as const;

/** Splits a field's props into the frame's (FieldShell) and the control's own attributes. */
export function splitProps<P extends FieldProps>(props: P): { shell: FieldProps; control: Omit<P, keyof FieldProps> } {
  const shell: Record<string, unknown> = {};
  const control: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) ((SHELL_PROPS as readonly string[]).includes(k) ? shell : control)[k] = v;
  return { shell: shell as FieldProps, control: control as Omit<P, keyof FieldProps> };
}
