import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { cookieFrom } from './cookies.js';
import { waitFor } from './timing.js';

/**
 * Signs a user in and returns the cookie, waiting (bounded) until the app reaches the store: after a
 * previous failover or a node's return, the client may still be reconnecting or relearning the slots.
 */
export async function signIn(server: Parameters<typeof request>[0], userId: string): Promise<string> {
  let cookie: string | undefined;
  await waitFor('the app to sign a user in', async () => {
    const response = await request(server).post('/login').send({ userId });
    if (response.status === 201) cookie = cookieFrom(response);
    return response.status === 201;
  });
  return cookie!;
}

/** One request of the load: when it started and ended (ms since the load started), and what came back. */
export interface Outcome {
  readonly worker: number;
  readonly path: string;
  readonly start: number;
  readonly end: number;
  /** HTTP status, or 0 when the request itself failed (connection refused, reset). */
  readonly status: number;
  readonly setCookie: readonly string[];
  /** The sequence number a write sent (writes only). */
  readonly sequence?: number;
}

/** What a failover looked like from the clients' side. */
export interface FailoverReport {
  readonly requests: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** ms from the fault to the first failed response. */
  readonly firstErrorAfterFault: number | undefined;
  /** ms from the start of the first failed request to the end of the last one: the error window. */
  readonly errorWindow: number;
  /** ms from the fault to the end of the first success of a request sent after the first error came back. */
  readonly recoveredAfterFault: number | undefined;
  /** Failed requests that started after the first success that followed the errors (must be none). */
  readonly errorsAfterRecovery: number;
  /** Responses that set or cleared a cookie (must be none: the load only reads and changes data). */
  readonly cookieChanges: number;
  /** Runs of failed requests, as [from, to] in ms after the fault, split where a request succeeded between. */
  readonly bursts: readonly (readonly [number, number])[];
}

function send(
  agent: Agent,
  base: URL,
  method: string,
  path: string,
  cookie: string,
  body?: unknown,
): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: {
          cookie,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [] }));
        res.on('error', () => resolve({ status: 0, setCookie: [] }));
      },
    );
    req.on('error', () => resolve({ status: 0, setCookie: [] }));
    req.on('timeout', () => req.destroy());
    req.end(payload);
  });
}

/**
 * A steady load of one signed-in user's requests against an app, for failover tests: `concurrency`
 * workers, each alternating a guarded read (`GET /private`) and a data write (`POST /set/seq-<worker>`
 * with an increasing number), over keep-alive connections, until stopped or `maxRequests` are done.
 */
export class FailoverLoad {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly outcomes: Outcome[] = [];
  private running = true;
  private workers: Promise<void>[] = [];
  readonly startedAt = performance.now();
  private faultAt: number | undefined;

  constructor(
    url: string,
    private readonly cookie: string,
    private readonly options: { concurrency?: number; maxRequests?: number } = {},
  ) {
    this.base = new URL(url);
    this.agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 4 });
    this.workers = Array.from({ length: options.concurrency ?? 4 }, (_, i) => this.work(i));
  }

  private now(): number {
    return performance.now() - this.startedAt;
  }

  private async work(worker: number): Promise<void> {
    let sequence = 0;
    const max = this.options.maxRequests ?? 20_000;
    while (this.running && this.outcomes.length < max) {
      const write = sequence % 2 === 1;
      const path = write ? `/set/seq-${worker}` : '/private';
      const start = this.now();
      const { status, setCookie } = await send(
        this.agent,
        this.base,
        write ? 'POST' : 'GET',
        path,
        this.cookie,
        write ? { value: sequence } : undefined,
      );
      this.outcomes.push({
        worker,
        path,
        start,
        end: this.now(),
        status,
        setCookie,
        sequence: write ? sequence : undefined,
      });
      sequence++;
      // Yield a little, so the load is steady rather than a flood on a 2-core machine.
      await sleep(2);
    }
  }

  /** Marks the moment of the fault (the primary was killed). */
  markFault(): void {
    this.faultAt = this.now();
  }

  /** Every outcome so far. */
  get results(): readonly Outcome[] {
    return this.outcomes;
  }

  /** Waits until requests succeed again for `settleMs` after the errors began (or `timeoutMs` passes). */
  async untilRecovered(settleMs = 1_500, timeoutMs = 30_000): Promise<void> {
    const deadline = this.now() + timeoutMs;
    while (this.now() < deadline) {
      const report = this.report();
      if (
        report.recoveredAfterFault !== undefined &&
        this.now() - this.faultAt! - report.recoveredAfterFault > settleMs
      )
        return;
      await sleep(50);
    }
  }

  /** Stops the workers and closes the connections. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
    this.agent.destroy();
  }

  /**
   * How many workers' last acknowledged write is missing from the session data read after the fault.
   * Data writes are not acknowledged by replicas: a failover may lose the last ones. Reported, not asserted.
   */
  workersWithLostLastWrite(data: Readonly<Record<string, unknown>>): number {
    return [...this.lastAcknowledgedWrites()].filter(([worker, last]) => {
      const stored = data[`seq-${worker}`] as number | undefined;
      return stored === undefined || stored < last;
    }).length;
  }

  /** The highest sequence number each worker's writes got a 2xx for. */
  private lastAcknowledgedWrites(): Map<number, number> {
    const acknowledged = new Map<number, number>();
    for (const o of this.outcomes) {
      if (o.sequence !== undefined && o.status >= 200 && o.status < 300) {
        acknowledged.set(o.worker, Math.max(acknowledged.get(o.worker) ?? -1, o.sequence));
      }
    }
    return acknowledged;
  }

  /** Sums up what the clients saw around the fault. */
  report(): FailoverReport {
    const fault = this.faultAt ?? 0;
    const failed = (o: Outcome) => o.status === 0 || o.status >= 500;
    const statuses: Record<string, number> = {};
    for (const o of this.outcomes) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
    const errors = this.outcomes.filter((o) => failed(o) && o.end >= fault);
    const firstError = errors.reduce<Outcome | undefined>((a, o) => (a && a.start <= o.start ? a : o), undefined);
    const lastErrorEnd = Math.max(...errors.map((o) => o.end), -Infinity);
    // Recovery: the first success of a request sent after the outage showed (the first error came back).
    const recovered = firstError
      ? this.outcomes
          .filter((o) => !failed(o) && o.start > firstError.end)
          .reduce<Outcome | undefined>((a, o) => (a && a.end <= o.end ? a : o), undefined)
      : undefined;
    return {
      requests: this.outcomes.length,
      statuses,
      firstErrorAfterFault: firstError ? Math.round(Math.min(...errors.map((o) => o.end)) - fault) : undefined,
      errorWindow: firstError ? Math.round(lastErrorEnd - firstError.start) : 0,
      recoveredAfterFault: recovered ? Math.round(recovered.end - fault) : undefined,
      errorsAfterRecovery: recovered ? errors.filter((o) => o.start > recovered.end).length : 0,
      cookieChanges: this.outcomes.filter((o) => o.setCookie.length > 0).length,
      bursts: this.bursts(fault, failed),
    };
  }

  private bursts(fault: number, failed: (o: Outcome) => boolean): [number, number][] {
    const sorted = this.outcomes.filter((o) => o.end >= fault).sort((a, b) => a.end - b.end);
    const bursts: [number, number][] = [];
    let open: [number, number] | undefined;
    for (const o of sorted) {
      if (failed(o)) {
        if (open) open[1] = Math.round(o.end - fault);
        else open = [Math.round(o.start - fault), Math.round(o.end - fault)];
      } else if (open && o.start > open[1] + fault) {
        bursts.push(open);
        open = undefined;
      }
    }
    if (open) bursts.push(open);
    return bursts;
  }
}

/** What every failover must look like from the clients' side: 503s at worst, no cookie change, a clean end. */
export function expectCleanFailover(report: FailoverReport): void {
  expect(report.statuses['500']).toBeUndefined();
  expect(Object.keys(report.statuses).every((status) => ['200', '201', '503'].includes(status))).toBe(true);
  expect(report.cookieChanges).toBe(0);
  expect(report.errorsAfterRecovery).toBe(0);
}
