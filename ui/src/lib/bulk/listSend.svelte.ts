// What the "send to a list" screens share once a file is chosen: the rows re-checked as the
// mapping changes, then the job created and started, and a problem put next to the field it
// names or above the job list. Each screen keeps its own mapping and columns.
import type { JobView } from '../bindings/JobView';
import type { SheetInfo } from '../bindings/SheetInfo';
import type { WaPreview } from '../bindings/WaPreview';
import { errorText } from '../errors';
import { focusFirstProblem, splitErrors } from '../formErrors';
import { backend } from '../ipc';
import { liveCheck } from '../liveCheck';
import { guessColumn, pickSheet } from './sheet';

export type ListSendApi<M> = {
  /** Checks every row against the mapping (fast: the file is in memory). */
  check(mapping: M): Promise<WaPreview>;
  create(mapping: M, title: string): Promise<JobView>;
};

export class ListSend<M> {
  sheet = $state<SheetInfo | null>(null);
  /** The job's name, the file's name until the user writes another. */
  title = $state('');
  preview = $state<WaPreview | null>(null);
  /** Messages by field path (see the form kit), at most one at a time. */
  fieldErrors = $state<Record<string, string>>({});
  general = $state<string | null>(null);
  busy = $state(false);
  /** The job just started, for the job list to open. */
  openJob = $state<number | null>(null);

  #api: ListSendApi<M>;

  /**
   * Create it while a component initialises: it re-checks the rows whenever `mapping` changes.
   * `mapping` gives null while there is nothing to check yet (no file, no template).
   */
  constructor(api: ListSendApi<M>, mapping: () => M | null) {
    this.#api = api;
    const checkRows = liveCheck(api.check, (r) => {
      this.preview = r.ok ? r.value : null;
      this.fieldErrors = r.ok ? {} : this.#placed(r.error);
    });
    $effect(() => {
      const m = mapping();
      if (m === null) {
        this.preview = null;
        return;
      }
      return checkRows(m);
    });
  }

  /** Opens the file picker; `guess` then fills the columns from the header names. */
  async chooseFile(guess: (byName: (words: string[]) => string, sheet: SheetInfo) => void): Promise<void> {
    this.general = null;
    try {
      const picked = await pickSheet();
      if (!picked) return;
      this.sheet = picked;
      this.title = picked.file_name;
      guess((words) => guessColumn(picked, words), picked);
    } catch (e) {
      this.general = errorText(e);
    }
  }

  async start(mapping: M): Promise<void> {
    this.general = null;
    this.busy = true;
    try {
      const job = await this.#api.create(mapping, this.title);
      this.sheet = null;
      this.preview = null;
      await backend().bulkStart(job.id);
      this.openJob = job.id;
    } catch (e) {
      const { fields, general } = splitErrors(e);
      this.fieldErrors = fields;
      this.general = general;
      // The eye and the keyboard go to the first column or field with a problem.
      void focusFirstProblem();
    } finally {
      this.busy = false;
    }
  }

  #placed(e: unknown): Record<string, string> {
    return splitErrors(e).fields;
  }
}
