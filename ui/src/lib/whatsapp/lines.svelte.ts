// The names a team gave its WhatsApp lines ("Cobranzas"), for every line picker: a line is
// shown as "Cobranzas · +57 300 555 0100" once named, as its number until then.
import type { LineName } from '$lib/bindings/LineName';
import { backend } from '$lib/ipc';
import { showLine } from './format';

export const lineNames = $state<{ byLine: Record<string, string> }>({ byLine: {} });

/** Reads the names again (after one was given, or when a line picker opens). */
export async function loadLineNames(): Promise<void> {
  try {
    const all: LineName[] = await backend().whatsappLineNames();
    lineNames.byLine = Object.fromEntries(all.map((n) => [n.line, n.name]));
  } catch {
    // Names are a help: a picker still works with the numbers alone.
  }
}

/** A line as its pickers show it: its name and number, or the number alone. */
export function lineLabel(line: string): string {
  const name = lineNames.byLine[line.replace(/\D/g, '')];
  return name ? `${name} · ${showLine(line)}` : showLine(line);
}
