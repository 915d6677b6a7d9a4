// The spreadsheet step shared by every "send to a list" screen.
import type { SheetInfo } from '../bindings/SheetInfo';
import { asAppError } from '../errors';
import { backend } from '../ipc';

/** The first column whose name contains one of `words` (people name them in three languages). */
export function guessColumn(sheet: SheetInfo | null, words: string[]): string {
  return sheet?.headers.find((x) => words.some((w) => x.toLowerCase().includes(w))) ?? '';
}

/** Opens the file picker; `null` when the user closed it, other problems are thrown. */
export async function pickSheet(): Promise<SheetInfo | null> {
  try {
    return await backend().bulkChooseFile();
  } catch (e) {
    if (asAppError(e).code === 'cancelled') return null;
    throw e;
  }
}
