import { describe, expect, it, vi } from 'vitest';
import { liveCheck, type CheckResult } from './liveCheck';

describe('liveCheck', () => {
  it('hands on only the newest answer, even when an older one arrives last', async () => {
    vi.useFakeTimers();
    const seen: CheckResult<string>[] = [];
    const resolvers: ((v: string) => void)[] = [];
    const run = liveCheck(
      (x: string) => new Promise<string>((r) => resolvers.push(() => r(x))),
      (r) => seen.push(r),
      50
    );
    run('a');
    await vi.advanceTimersByTimeAsync(60); // 'a' is asked
    run('ab');
    await vi.advanceTimersByTimeAsync(60); // 'ab' is asked
    resolvers[1]?.('ab'); // the newer answers first
    await vi.advanceTimersByTimeAsync(0);
    resolvers[0]?.('a'); // the older one arrives late
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([{ ok: true, value: 'ab' }]);
    vi.useRealTimers();
  });

  it('waits for typing to pause, and cancelling drops the pending run', async () => {
    vi.useFakeTimers();
    const check = vi.fn(async (x: number) => x * 2);
    const seen: CheckResult<number>[] = [];
    const run = liveCheck(check, (r) => seen.push(r), 100);
    run(1);
    run(2);
    const cancel = run(3);
    cancel();
    run(4);
    await vi.advanceTimersByTimeAsync(150);
    expect(check).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([{ ok: true, value: 8 }]);
    vi.useRealTimers();
  });

  it('passes errors on the same way', async () => {
    vi.useFakeTimers();
    const seen: CheckResult<number>[] = [];
    const run = liveCheck(
      async () => Promise.reject(new Error('no')),
      (r) => seen.push(r),
      10
    );
    run(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(seen.length).toBe(1);
    expect(seen[0]?.ok).toBe(false);
    vi.useRealTimers();
  });

  it('lets one input wait longer than the others, and a quicker one replaces it', async () => {
    vi.useFakeTimers();
    const check = vi.fn(async (x: string) => x);
    const seen: CheckResult<string>[] = [];
    const run = liveCheck(check, (r) => seen.push(r), 0);
    run('typed', 120);
    await vi.advanceTimersByTimeAsync(60);
    expect(check).not.toHaveBeenCalled();
    run('chosen');
    await vi.advanceTimersByTimeAsync(200);
    expect(check.mock.calls).toEqual([['chosen']]);
    expect(seen).toEqual([{ ok: true, value: 'chosen' }]);
    vi.useRealTimers();
  });
});
