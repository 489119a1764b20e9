import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisServer } from '../support/redis-server.js';
import { startRobustnessApp, type RobustnessApp } from '../support/robustness-app.js';
import { clearsCookie, setCookieFor, setCookies } from '../support/cookies.js';
import { type HttpClient, HungRequestError, type Reply } from '../support/robustness-http.js';
import { SessionModel } from '../support/robustness-model.js';
import { keysWithoutTtl, liveRecords } from '../support/robustness-redis.js';
import { waitFor } from '../support/timing.js';

/*
 * Load with faults: many clients reading, writing, signing in and out against one Express app and a
 * real redis-server with AOF, while Redis is stopped and started twice. Ends with no 500, no hung
 * request, and every surviving session holding exactly what its client last wrote (a write answered
 * 503 counts as "may or may not have happened" until the client reads the key back).
 *
 * Run: npm run test:soak   (SOAK_SECONDS, SOAK_CLIENTS and SOAK_OUTAGE_MS change the defaults)
 */

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 24);
const OUTAGE_MS = Number(process.env.SOAK_OUTAGE_MS ?? 3_000);
/** When the two outages start, as fractions of the run. */
const OUTAGES_AT = [0.25, 0.6];
const COMMAND_TIMEOUT = 500;
/** A request still unanswered after this is hung: the slowest legitimate path is 3 × commandTimeout. */
const HUNG_MS = 10_000;
const KEYS = 8;

type Op = 'read' | 'guarded' | 'write' | 'delete' | 'login' | 'logout';

interface Client {
  readonly n: number;
  readonly userId: string;
  cookie: string | undefined;
  signedIn: boolean;
  /** A login or logout got a 503: the record may or may not still exist. */
  maybeGone: boolean;
  /** After a login whose old record may have been gone, the data carried over is unknown: read it first. */
  adoptNextRead: boolean;
  readonly model: SessionModel;
  seq: number;
}

interface Outage {
  stoppedAt: number;
  restartedAt: number;
  requestsWhileDown: number;
  firstSuccessAfter?: number;
  recovered: Set<number>;
  allRecoveredAfter?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('soak: mixed load on Express with Redis stopped and started twice', () => {
  let env: RobustnessApp;
  let redis: RedisServer;
  let inspector: Redis;
  let http: HttpClient;

  beforeAll(async () => {
    env = await startRobustnessApp('express', {
      redisArgs: ['--appendonly', 'yes', '--appendfsync', 'always'],
      module: { commandTimeout: COMMAND_TIMEOUT },
    });
    ({ redis, inspector, http } = env);
  });

  afterAll(async () => {
    await env?.close();
  });

  it(`${CLIENTS} clients for ${SECONDS} s: no 500, no hung request, every session as its client last wrote it`, async () => {
    const violations: string[] = [];
    const statuses = new Map<string, number>();
    const latencies = { ok: [] as number[], unavailable: [] as number[] };
    let hung = 0;
    let requests = 0;
    let settledFromUnknown = 0;
    const outages: Outage[] = [];
    let down: Outage | undefined;
    let running = true;

    const count = (op: Op, status: number): void => {
      const key = `${op} ${status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    };
    const violation = (client: Client, op: Op, what: string, reply?: Reply): void => {
      violations.push(
        `client ${client.n} ${op}: ${what}${reply ? ` (${reply.status} ${reply.text.slice(0, 120)})` : ''}`,
      );
    };
    const forget = (client: Client): void => {
      client.cookie = undefined;
      client.signedIn = false;
      client.maybeGone = false;
      client.adoptNextRead = false;
      client.model.reset();
    };

    const pick = (client: Client): Op => {
      if (client.adoptNextRead) return 'read';
      if (client.cookie === undefined) return Math.random() < 0.5 ? 'login' : 'write';
      const r = Math.random();
      if (r < 0.35) return 'read';
      if (r < 0.5) return 'guarded';
      if (r < 0.8) return 'write';
      if (r < 0.86) return 'delete';
      if (r < 0.95) return client.signedIn ? 'logout' : 'login';
      return 'login';
    };

    const checkRead = (client: Client, reply: Reply, op: Op): void => {
      const body = reply.body;
      if (body.isNew) {
        if (client.maybeGone) forget(client);
        else violation(client, op, 'the session was lost', reply);
        return;
      }
      client.maybeGone = false;
      if (client.adoptNextRead) {
        client.model.reset();
        for (const [key, value] of Object.entries(body.data as Record<string, unknown>)) {
          client.model.acknowledged(key, value);
        }
        client.adoptNextRead = false;
      }
      if (body.userId !== (client.signedIn ? client.userId : null)) {
        violation(client, op, `read user ${String(body.userId)}`, reply);
      }
      const unknownBefore = client.model.uncertainKeys().length;
      const problems = client.model.check(body.data);
      for (const problem of problems) violation(client, op, problem);
      if (problems.length === 0) settledFromUnknown += unknownBefore;
    };

    const step = async (client: Client): Promise<void> => {
      const op = pick(client);
      const cookie = client.cookie;
      const key = `k${Math.floor(Math.random() * KEYS)}`;
      const value = `${client.n}-${++client.seq}`;
      let reply: Reply;
      try {
        if (op === 'read') reply = await http.get('/r/session', { cookie, timeoutMs: HUNG_MS });
        else if (op === 'guarded') reply = await http.get('/private', { cookie, timeoutMs: HUNG_MS });
        else if (op === 'write')
          reply = await http.post(`/set/${key}`, { cookie, json: { value }, timeoutMs: HUNG_MS });
        else if (op === 'delete') reply = await http.send('DELETE', `/key/${key}`, { cookie, timeoutMs: HUNG_MS });
        else if (op === 'login') {
          reply = await http.post('/login', { cookie, json: { userId: client.userId }, timeoutMs: HUNG_MS });
        } else reply = await http.post('/logout', { cookie, timeoutMs: HUNG_MS });
      } catch (error) {
        if (error instanceof HungRequestError) hung++;
        else violation(client, op, `transport error ${String(error)}`);
        return;
      }
      requests++;
      count(op, reply.status);
      const now = performance.now();
      if (down !== undefined) down.requestsWhileDown++;
      const lastOutage = outages.at(-1);
      // Only requests that needed Redis count: a cookie-less read is answered without it.
      const usedRedis = cookie !== undefined || op === 'login' || op === 'write';
      if (lastOutage && down === undefined && reply.status < 300 && usedRedis) {
        lastOutage.firstSuccessAfter ??= now - lastOutage.restartedAt;
        lastOutage.recovered.add(client.n);
        if (lastOutage.recovered.size === CLIENTS) lastOutage.allRecoveredAfter ??= now - lastOutage.restartedAt;
      }
      (reply.status === 503 ? latencies.unavailable : latencies.ok).push(reply.ms);

      const set = setCookieFor(reply);
      const issued = set !== undefined && !clearsCookie(reply) ? set.split(';')[0] : undefined;
      if (reply.status === 503) {
        if (setCookies(reply).length > 0) violation(client, op, '503 with Set-Cookie', reply);
        if (cookie === undefined) return;
        if (op === 'write') client.model.unknown(key, value);
        if (op === 'delete') client.model.unknownDelete(key);
        if (op === 'login' || op === 'logout') client.maybeGone = true;
        return;
      }
      if (issued !== undefined && op !== 'write' && op !== 'login') violation(client, op, 'set a cookie', reply);
      switch (op) {
        case 'read':
          if (reply.status !== 200) violation(client, op, 'unexpected status', reply);
          else if (cookie !== undefined) checkRead(client, reply, op);
          break;
        case 'guarded':
          if (reply.status === 200) {
            if (!client.signedIn || reply.body.userId !== client.userId) violation(client, op, 'wrong user', reply);
            else client.maybeGone = false;
          } else if (reply.status === 401) {
            if (client.signedIn && !client.maybeGone) violation(client, op, 'a signed-in session was refused', reply);
            else if (client.signedIn) forget(client);
          } else violation(client, op, 'unexpected status', reply);
          break;
        case 'write':
          if (reply.status !== 201) {
            violation(client, op, 'unexpected status', reply);
            break;
          }
          if (issued !== undefined) {
            if (cookie !== undefined && !client.maybeGone) violation(client, op, 'the session was lost', reply);
            forget(client);
            client.cookie = issued;
          } else if (cookie !== undefined) {
            client.maybeGone = false;
          }
          client.model.acknowledged(key, value);
          break;
        case 'delete':
          if (reply.status !== 200) violation(client, op, 'unexpected status', reply);
          else client.model.acknowledgedDelete(key);
          break;
        case 'login':
          if (reply.status !== 201 || issued === undefined) {
            violation(client, op, 'no session after login', reply);
            break;
          }
          if (client.maybeGone) {
            client.model.reset();
            client.adoptNextRead = true;
          }
          client.cookie = issued;
          client.signedIn = true;
          client.maybeGone = false;
          break;
        case 'logout':
          if (reply.status !== 201 || !clearsCookie(reply)) violation(client, op, 'logout did not clear', reply);
          forget(client);
          break;
      }
    };

    const clients: Client[] = Array.from({ length: CLIENTS }, (_, n) => ({
      n,
      userId: `soak-user-${n}`,
      cookie: undefined,
      signedIn: false,
      maybeGone: false,
      adoptNextRead: false,
      model: new SessionModel(),
      seq: 0,
    }));
    const started = performance.now();
    const loops = clients.map(async (client) => {
      while (running) {
        await step(client);
        await sleep(5 + Math.random() * 15);
      }
    });

    for (const at of OUTAGES_AT) {
      await sleep(Math.max(0, started + at * SECONDS * 1_000 - performance.now()));
      const outage: Outage = {
        stoppedAt: performance.now(),
        restartedAt: 0,
        requestsWhileDown: 0,
        recovered: new Set(),
      };
      down = outage;
      await redis.stop();
      await sleep(OUTAGE_MS);
      await redis.restart();
      outage.restartedAt = performance.now();
      down = undefined;
      outages.push(outage);
    }
    await sleep(Math.max(0, started + SECONDS * 1_000 - performance.now()));
    running = false;
    await Promise.all(loops);
    const elapsed = (performance.now() - started) / 1_000;

    // Final check, Redis up: every surviving session holds what its client last wrote.
    let verified = 0;
    let unknownAtEnd = 0;
    for (const client of clients) {
      if (client.cookie === undefined) continue;
      unknownAtEnd += client.model.uncertainKeys().length;
      let reply: Reply | undefined;
      await waitFor('the session to be served again', async () => {
        reply = await http.get('/r/session', { cookie: client.cookie });
        return reply.status === 200;
      });
      checkRead(client, reply!, 'read');
      if (client.cookie !== undefined) verified++;
    }
    const withoutTtl = await keysWithoutTtl(inspector);
    const keys = await inspector.dbsize();
    const records = await liveRecords(inspector);
    const held = new Set<string>();
    for (const client of clients) {
      if (client.cookie === undefined) continue;
      const reply = await http.get('/r/session', { cookie: client.cookie });
      if (reply.status === 200 && !reply.body.isNew) held.add(`sess:{${String(reply.body.publicId)}}`);
    }
    const orphans = records.filter((key) => !held.has(key)).length;
    const indexes = (await inspector.keys('sess:u:*')).length;

    const ok = latencies.ok.sort((a, b) => a - b);
    const unavailable = latencies.unavailable.sort((a, b) => a - b);
    const byStatus = new Map<number, number>();
    for (const [key, n] of statuses) {
      const status = Number(key.split(' ')[1]);
      byStatus.set(status, (byStatus.get(status) ?? 0) + n);
    }
    const figures = [
      `soak: ${CLIENTS} clients, ${elapsed.toFixed(1)} s, ${requests} requests (${Math.round(requests / elapsed)}/s), ` +
        `Redis ${redis.url} with appendonly yes, commandTimeout ${COMMAND_TIMEOUT} ms`,
      `  statuses: ${[...byStatus]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', ')}`,
      `  by operation: ${[...statuses]
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')}`,
      `  latency 2xx/4xx ms: p50 ${percentile(ok, 50).toFixed(1)}, p99 ${percentile(ok, 99).toFixed(1)}, max ${percentile(ok, 100).toFixed(1)}`,
      `  latency 503 ms: p50 ${percentile(unavailable, 50).toFixed(1)}, p99 ${percentile(unavailable, 99).toFixed(1)}, max ${percentile(unavailable, 100).toFixed(1)}`,
      ...outages.map(
        (o, i) =>
          `  outage ${i + 1}: Redis down ${Math.round(o.restartedAt - o.stoppedAt)} ms, ${o.requestsWhileDown} requests meanwhile; ` +
          `after Redis accepted connections again: first success ${Math.round(o.firstSuccessAfter ?? NaN)} ms, ` +
          `every client's ${Math.round(o.allRecoveredAfter ?? NaN)} ms`,
      ),
      `  hung requests (> ${HUNG_MS} ms): ${hung}; violations: ${violations.length}`,
      `  end: ${verified} live sessions verified; ${unknownAtEnd} keys were "maybe" (a 503 write) before the final read, ` +
        `${settledFromUnknown} such keys settled during the run`,
      `  Redis at the end: ${keys} keys, ${withoutTtl.length} without TTL: ${records.length} session records ` +
        `(${orphans} held by no client: written by a request that then got a 503, they expire on their own), ` +
        `${indexes} user indexes, ${keys - records.length - indexes} rotation markers (expire after the grace period)`,
    ];
    process.stdout.write(`\n${figures.join('\n')}\n\n`);

    expect(violations.slice(0, 20)).toEqual([]);
    expect(hung).toBe(0);
    expect([...byStatus.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([]);
    expect(withoutTtl).toEqual([]);
    expect(outages.every((o) => o.requestsWhileDown > 0 && o.allRecoveredAfter !== undefined)).toBe(true);
    expect(verified).toBeGreaterThan(0);
  });
});
