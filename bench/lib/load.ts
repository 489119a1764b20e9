import autocannon from 'autocannon';
import type { Workload } from './contenders.js';

/** What one autocannon run measured. */
export interface LoadResult {
  /** Responses received. */
  readonly requests: number;
  /** Responses per second over the run. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Responses other than 2xx, plus connection errors and timeouts: any of these spoils the run. */
  readonly failures: number;
  readonly seconds: number;
}

/**
 * Drives one contender with one workload for `duration` seconds. Every request carries one of the
 * `cookies` (each connection cycles through all of them), so the load spreads over many sessions; the
 * requests are built once, before the run, so the load generator spends no time per request on them.
 */
export async function runLoad(options: {
  url: string;
  workload: Workload;
  cookies: readonly string[];
  connections: number;
  duration: number;
}): Promise<LoadResult> {
  const { workload } = options;
  const base = { method: workload.method, path: workload.path };
  const requests =
    workload.withCookie && options.cookies.length > 0
      ? options.cookies.map((cookie) => ({ ...base, headers: { cookie } }))
      : [base];
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.duration,
    requests,
  });
  const requestsDone = result.requests.total;
  return {
    requests: requestsDone,
    rps: requestsDone / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    seconds: result.duration,
  };
}
