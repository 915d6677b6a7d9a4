// The state of a page showing one thing (a check, a template): loaded when the page opens,
// reloaded when the backend says its topic changed, and one error line for the page.
import type { Topic } from './bindings/Topic';
import { errorText } from './errors';
import { loadAndFollow } from './follow';

export class Detail<T> {
  item = $state<T | null>(null);
  error = $state<string | null>(null);
  #fetch: () => Promise<T>;

  /** Create it while the page initialises. */
  constructor(fetch: () => Promise<T>, topic: Topic) {
    this.#fetch = fetch;
    loadAndFollow(topic, () => this.load());
  }

  load(): Promise<void> {
    return this.run(this.#fetch);
  }

  /** Runs `action`, which gives the thing anew (reload, refresh); a problem becomes the page's error. */
  async run(action: () => Promise<T>): Promise<void> {
    try {
      this.item = await action();
      this.error = null;
    } catch (e) {
      this.error = errorText(e);
    }
  }
}
