// The account's business numbers, offered wherever a call's caller is typed: nobody has to
// copy them from the Truecaller console. Listed numbers only: a number not (yet) listed
// would not show the caller ID.
import type { NumberView } from '../bindings/NumberView';
import { backend } from '../ipc';

export class CallerChoice {
  numbers = $state<NumberView[]>([]);

  /** Reads the account's numbers (up to 20 pages); without them the field is typed as before. */
  async load(): Promise<void> {
    try {
      const all: NumberView[] = [];
      for (let page = 1, pages = 1; page <= Math.min(pages, 20); page++) {
        const p = await backend().truecallerNumbers(null, '', page);
        all.push(...p.numbers);
        pages = p.total_pages;
      }
      this.numbers = all.filter((n) => n.status === 'listed');
    } catch {
      this.numbers = [];
    }
  }
}

/** A number as typed in the caller field (`+918045671234`). */
export const callerValue = (n: NumberView): string => `+${n.phone_number.replace(/^\+/, '')}`;

/** What a suggestion says beside the number: its feature set and department. */
export const callerHint = (n: NumberView): string => [n.feature_set_name, n.department].filter(Boolean).join(' · ');
