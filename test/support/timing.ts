import { setTimeout as sleep } from 'node:timers/promises';

/** Runs `run` and says how long it took, for "answered within a bound, never hung" checks. */
export async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await run();
  return { result, ms: performance.now() - start };
}

/** How long `waitFor` polls, and how often. */
export interface WaitOptions {
  /** Give up after this long (default 15 s: a failover or a reconnect on a busy 2-core machine). */
  timeoutMs?: number;
  /** Pause between two checks (default 50 ms). */
  intervalMs?: number;
}

/**
 * Polls `check` until it holds; fails after `timeoutMs` with `what` and the last error the check threw.
 * A check that throws counts as "not yet": the store may still be reconnecting, a node still starting.
 * The only wait of the test suites: use it instead of a loop of your own.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 15_000, intervalMs = 50 }: WaitOptions = {},
): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await check()) return;
      last = undefined;
    } catch (error) {
      last = error;
    }
    await sleep(intervalMs);
  }
  const why = last instanceof Error ? ` (last error: ${last.message})` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}
