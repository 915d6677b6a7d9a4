// The "check as you type" pattern of the forms and list screens, written once.

export type CheckResult<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * Runs `check` a moment (`delayMs`) after the last change and hands its answer to `onResult`
 * only when no newer change came meanwhile: a slower, older answer never overwrites a newer one.
 * Call the returned function with each new input (and, if this input should wait more or less
 * than usual, its own delay); what it returns cancels the pending run (give it back from a
 * `$effect` as its cleanup).
 */
export function liveCheck<I, O>(
  check: (input: I) => Promise<O>,
  onResult: (r: CheckResult<O>) => void,
  delayMs = 150
): (input: I, delay?: number) => () => void {
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (input: I, delay = delayMs) => {
    const mine = ++seq;
    // A newer input replaces the one still waiting for typing to pause.
    clearTimeout(timer);
    timer = setTimeout(async () => {
      let result: CheckResult<O>;
      try {
        result = { ok: true, value: await check(input) };
      } catch (error) {
        result = { ok: false, error };
      }
      if (mine === seq) onResult(result);
    }, delay);
    const mineTimer = timer;
    return () => clearTimeout(mineTimer);
  };
}
