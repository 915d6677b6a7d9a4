// The caller-ID label both call screens start from: the account's labels, and the one chosen.
import type { LabelView } from '../bindings/LabelView';
import { errorText } from '../errors';
import { backend } from '../ipc';

export class LabelChoice {
  all = $state<LabelView[]>([]);
  /** The chosen label's id: the first one until the user picks another. */
  id = $state('');
  chosen = $derived(this.all.find((l) => l.id === this.id));

  /** Loads the labels; a problem reaches `fail` as the message to show. */
  async load(fail: (message: string) => void): Promise<void> {
    try {
      this.all = await backend().truecallerLabels();
      this.id = this.all[0]?.id ?? '';
    } catch (e) {
      fail(errorText(e));
    }
  }
}
