// A long list read page by page from the backend, newest first (the checks list, the identity
// inbox): a new search replaces it, the next page is fetched as it is scrolled near its end,
// and the same search again (something changed in the background) keeps the user's place.
import { errorText } from './errors';
import { liveCheck } from './liveCheck';

/** What the backend's list commands take: a page size and where the previous page ended. */
export type PagedQuery = { limit: number; after: string | null };
export type Page<R> = { rows: R[]; next: string | null };

/** The largest page the backend gives (`PAGE_MAX`). */
const PAGE_MAX = 500;

export class KeysetList<Q extends PagedQuery, R> {
  // Raw: the rows are only ever replaced, never changed in place, and a deep proxy per row (a
  // scrolled list holds thousands) was memory for nothing (issue #18).
  rows = $state.raw<R[] | null>(null);
  /** Where the list continues; none once every match is shown. */
  next = $state<string | null>(null);
  fetchingMore = $state(false);
  error = $state<string | null>(null);
  // A next page that failed is not asked again until the list changes (the error says why).
  #pagingFailed = $state(false);
  #shown: Q | null = null;
  // Bumped each time a new search replaces the list: a page asked for before is dropped.
  #generation = 0;
  #fetch: (q: Q) => Promise<Page<R>>;
  #search: (q: Q, delay?: number) => () => void;

  /** `onNewSearch` runs when a different search replaced the list (to scroll to its top). */
  constructor(fetch: (q: Q) => Promise<Page<R>>, onNewSearch: () => void) {
    this.#fetch = fetch;
    // A slower, older search never overwrites a newer one.
    this.#search = liveCheck(
      (q: Q) => this.#fetchList(q),
      (r) => {
        this.#generation++;
        if (r.ok) {
          this.rows = r.value.rows;
          this.next = r.value.next;
          this.#shown = r.value.q;
          this.error = null;
          this.#pagingFailed = false;
          if (!r.value.same) onNewSearch();
        } else {
          this.error = errorText(r.error);
        }
      },
      0
    );
  }

  /** Shows this search (after `delay` ms of quiet, for typing). */
  search(q: Q, delay = 0): void {
    this.#search(q, delay);
  }

  async #fetchList(q: Q) {
    const same = this.#shown !== null && JSON.stringify(q) === JSON.stringify(this.#shown);
    const want = same && this.rows ? this.rows.length : 0;
    // As many rows as were loaded, in the largest pages, so a deep list comes back in a few calls.
    let page = await this.#fetch(want > q.limit ? { ...q, limit: Math.min(want, PAGE_MAX) } : q);
    let all = page.rows;
    while (page.next && all.length < want) {
      page = await this.#fetch({ ...q, limit: PAGE_MAX, after: page.next });
      all = all.concat(page.rows);
    }
    return { q, rows: all, next: page.next, same };
  }

  /** Whether the row at `lastVisible` is near enough the end to fetch the next page. */
  wantsMore(lastVisible: number): boolean {
    return Boolean(
      this.rows && this.next && !this.fetchingMore && !this.#pagingFailed && lastVisible + 40 >= this.rows.length
    );
  }

  /** The next page, added below. */
  async more(): Promise<void> {
    const shown = this.#shown;
    if (!this.rows || !this.next || !shown || this.fetchingMore) return;
    const mine = this.#generation;
    this.fetchingMore = true;
    try {
      const page = await this.#fetch({ ...shown, after: this.next });
      if (mine === this.#generation) {
        this.rows = [...this.rows, ...page.rows];
        this.next = page.next;
      }
    } catch (e) {
      if (mine === this.#generation) {
        this.error = errorText(e);
        this.#pagingFailed = true;
      }
    } finally {
      this.fetchingMore = false;
    }
  }
}
