import { setTimeout as sleep } from 'node:timers/promises';
import { RedisServer } from './support/redis-server.js';
import { useRobustnessApp } from './support/robustness-app.js';
import { clearsCookie, sessionCookieOf, setCookieFor, setCookies } from './support/cookies.js';
import { type Reply } from './support/robustness-http.js';
import { SessionModel } from './support/robustness-model.js';
import { allKeys, keysWithoutTtl, liveRecords } from './support/robustness-redis.js';
import { ADAPTERS } from './support/test-app.js';
import { waitFor } from './support/timing.js';

const COMMAND_TIMEOUT = 300;
/** Generous: "bounded, not hung" on a busy 2-core machine; never a performance claim. */
const BOUND = COMMAND_TIMEOUT + 1_500;

/** The statuses a session route may answer while the store misbehaves: success, or a clean 503. */
const CLEAN = new Set([200, 201, 503]);

/** Problems with a reply given while the store misbehaves (S30): empty when it is clean. */
function faultProblems(reply: Reply, label: string): string[] {
  const problems: string[] = [];
  if (!CLEAN.has(reply.status)) problems.push(`${label}: status ${reply.status} ${reply.text.slice(0, 120)}`);
  if (reply.ms >= BOUND) problems.push(`${label}: took ${Math.round(reply.ms)} ms`);
  if (reply.status === 503 && setCookies(reply).length > 0) problems.push(`${label}: 503 with Set-Cookie`);
  if (clearsCookie(reply)) problems.push(`${label}: cleared the cookie`);
  return problems;
}

describe.each(ADAPTERS)('robustness: store faults on %s', (adapter) => {
  // Append-only with an fsync per write: what the README recommends, made strict so a crash loses nothing.
  const env = useRobustnessApp(adapter, {
    redisArgs: [
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--enable-debug-command',
      'yes',
      '--maxmemory-policy',
      'noeviction',
    ],
    module: { commandTimeout: COMMAND_TIMEOUT },
  });

  beforeEach(async () => {
    await env.inspector.config('SET', 'maxmemory', '0');
    await env.inspector.flushall();
    // The app's connection may still be coming back from the previous test's fault.
    await waitFor(
      'the app to sign a user in again',
      async () => (await env.http.post('/login', { json: { userId: 'probe' } })).status === 201,
    );
    await env.inspector.flushall();
  });

  async function login(userId: string, cookie?: string): Promise<string> {
    const reply = await env.http.post('/login', { cookie, json: { userId } });
    expect(reply.status).toBe(201);
    return sessionCookieOf(reply);
  }

  /** Waits until the app serves `cookie`'s session again: the store is back after a fault. */
  async function servedAgain(cookie: string, path = '/private'): Promise<void> {
    await waitFor('the session to be served again', async () => (await env.http.get(path, { cookie })).status === 200);
  }

  interface SessionView {
    isAuthenticated: boolean;
    userId: string | null;
    data: object;
  }

  async function sessionOf(cookie: string): Promise<SessionView> {
    const reply = await env.http.get('/r/session', { cookie });
    expect(reply.status).toBe(200);
    return reply.body as SessionView;
  }

  it('S30: Redis stopped in the middle of a load → only clean 503s within commandTimeout, no cookie cleared; the same cookies work again once it is back', async () => {
    const clients = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => ({
        i,
        cookie: await login(`load-${i}`),
        model: new SessionModel(),
        recoveredAfter: undefined as number | undefined,
      })),
    );
    const problems: string[] = [];
    const byPhase = { before: 0, down: 0, after: 0, down503: 0 };
    let phase: keyof typeof byPhase = 'before';
    let restartedAt = 0;
    let running = true;

    const loops = clients.map(async (client) => {
      for (let n = 0; running; n++) {
        const started = phase;
        let reply: Reply;
        if (n % 3 === 0) {
          const key = `k${n % 4}`;
          const value = `${client.i}-${n}`;
          reply = await env.http.post(`/set/${key}`, { cookie: client.cookie, json: { value } });
          if (reply.status === 201) client.model.acknowledged(key, value);
          else client.model.unknown(key, value);
        } else if (n % 3 === 1) {
          reply = await env.http.get('/private', { cookie: client.cookie });
          if (reply.status === 200 && reply.body.userId !== `load-${client.i}`) problems.push('wrong user');
        } else {
          reply = await env.http.get('/r/session', { cookie: client.cookie });
          if (reply.status === 200) {
            if (!reply.body.isAuthenticated) problems.push(`client ${client.i} lost its login`);
            problems.push(...client.model.check(reply.body.data));
          }
        }
        problems.push(...faultProblems(reply, `client ${client.i} request ${n} (${started})`));
        byPhase[started]++;
        if (started === 'down' && reply.status === 503) byPhase.down503++;
        if (phase === 'after' && reply.status < 300 && client.recoveredAfter === undefined) {
          client.recoveredAfter = performance.now() - restartedAt;
        }
        await sleep(10);
      }
    });

    await sleep(300);
    phase = 'down';
    await env.redis.stop();
    try {
      await sleep(1_500);
    } finally {
      await env.redis.restart();
      restartedAt = performance.now();
      phase = 'after';
    }
    await waitFor('every client recovered', () => clients.every((c) => c.recoveredAfter !== undefined), {
      timeoutMs: 10_000,
    });
    await sleep(200);
    running = false;
    await Promise.all(loops);

    const recovery = Math.max(...clients.map((c) => c.recoveredAfter!));
    console.log(
      `[robustness/${adapter}] Redis stopped for 1.5 s under load: ${byPhase.down} requests while down ` +
        `(${byPhase.down503} answered 503); every client's next request succeeded within ${Math.round(recovery)} ms ` +
        'of Redis accepting connections again',
    );
    expect(problems).toEqual([]);
    expect(byPhase.down503).toBeGreaterThan(0);
    expect(byPhase.after).toBeGreaterThan(0);
    for (const client of clients) {
      const session = await sessionOf(client.cookie);
      expect(session.userId).toBe(`load-${client.i}`);
      expect(client.model.check(session.data as Record<string, unknown>)).toEqual([]);
    }
    expect(await keysWithoutTtl(env.inspector)).toEqual([]);
  });

  it('S30: Redis slowed (DEBUG SLEEP) → 503 within commandTimeout; late replies never reach later requests; nothing half-done', async () => {
    const a = await login('slow-a');
    expect((await env.http.post('/set/k', { cookie: a, json: { value: 'a-data' } })).status).toBe(201);
    const b = await env.sessionWith({ mine: 'b' });
    const c = await env.sessionWith({ cart: 'c' });

    const sleeper = env.redis.client();
    const asleep = sleeper.call('DEBUG', 'SLEEP', '1.2');
    await sleep(100);
    const replies = await Promise.all([
      env.http.get('/private', { cookie: a }),
      env.http.post('/set/late', { cookie: a, json: { value: 'late' } }),
      env.http.get('/r/session', { cookie: b }),
      env.http.post('/login', { cookie: c, json: { userId: 'slow-c' } }),
      env.http.post('/login', { json: { userId: 'slow-d' } }),
      env.http.get('/anonymous'),
    ]);
    await asleep;
    sleeper.disconnect();

    expect(replies.map((r) => r.status)).toEqual([503, 503, 503, 503, 503, 200]);
    expect(replies.flatMap((r, i) => faultProblems(r, `request ${i}`))).toEqual([]);

    // Once Redis answers again, each request gets its own reply: no timed-out reply is handed to a later command.
    await servedAgain(a);
    const bAfter = await sessionOf(b);
    expect(bAfter).toMatchObject({ isAuthenticated: false, data: { mine: 'b' } });
    const aAfter = await sessionOf(a);
    expect(aAfter.userId).toBe('slow-a');
    // A save that timed out may still have run once Redis woke up: a 503 means "outcome unknown".
    expect([{ k: 'a-data' }, { k: 'a-data', late: 'late' }]).toContainEqual(aAfter.data);
    // S26: the login that timed out gave no authenticated cookie; the old cookie is still anonymous.
    expect((await env.http.get('/private', { cookie: c })).status).toBe(401);
    expect(await sessionOf(c)).toMatchObject({ isAuthenticated: false, data: { cart: 'c' } });
    // A timed-out login may still have written its new record when Redis woke: its ID was never sent to
    // anyone, and like every key it expires on its own.
    expect(await keysWithoutTtl(env.inspector)).toEqual([]);
  });

  it('S30: Redis paused (SIGSTOP) while saves are in flight → clean 503s; after SIGCONT every record is intact', async () => {
    const sessions = await Promise.all(Array.from({ length: 10 }, (_, i) => login(`paused-${i}`)));
    const writes = sessions.flatMap((cookie, i) =>
      Array.from({ length: 6 }, (_, j) => ({ cookie, i, key: `w${j}`, value: `${i}-${j}` })),
    );
    const pending = writes.map((w) => env.http.post(`/set/${w.key}`, { cookie: w.cookie, json: { value: w.value } }));
    await sleep(5);
    process.kill(env.redis.pid, 'SIGSTOP');
    let replies: Reply[];
    try {
      replies = await Promise.all(pending);
    } finally {
      process.kill(env.redis.pid, 'SIGCONT');
    }
    expect(replies.flatMap((r, i) => faultProblems(r, `write ${i}`))).toEqual([]);
    expect(replies.some((r) => r.status === 503)).toBe(true);

    await servedAgain(sessions[0]!);
    for (const [i, cookie] of sessions.entries()) {
      const session = await sessionOf(cookie);
      expect(session.userId).toBe(`paused-${i}`);
      const data = session.data as Record<string, unknown>;
      for (const [n, w] of writes.entries()) {
        if (w.i !== i) continue;
        if (replies[n]!.status === 201) expect(data[w.key]).toBe(w.value);
        else expect([undefined, w.value]).toContain(data[w.key]);
      }
      expect(Object.keys(data).every((key) => /^w[0-5]$/.test(key))).toBe(true);
    }
    expect(await keysWithoutTtl(env.inspector)).toEqual([]);
  });

  it('S26: Redis out of memory (noeviction) during login → clean 503, no authenticated cookie, no half-authenticated record; next request 401', async () => {
    const anonymous = await env.sessionWith({ cart: ['apple'] });
    const signedIn = await login('oom-signed-in');
    const keysBefore = (await allKeys(env.inspector)).sort();

    await env.inspector.config('SET', 'maxmemory', '1');
    try {
      const upgrade = await env.http.post('/login', { cookie: anonymous, json: { userId: 'oom-victim' } });
      const fresh = await env.http.post('/login', { json: { userId: 'oom-fresh' } });
      for (const reply of [upgrade, fresh]) {
        expect(reply.status).toBe(503);
        expect(setCookies(reply)).toEqual([]);
      }
      // Nothing was written: the same keys, none of them for the users who tried to sign in.
      expect((await allKeys(env.inspector)).sort()).toEqual(keysBefore);
      for (const key of await liveRecords(env.inspector)) {
        expect(['oom-signed-in', null]).toContain(await env.inspector.hget(key, '#u'));
      }

      await env.http.get('/private', { cookie: anonymous }).then((r) => expect(r.status).toBe(401));
      expect(await sessionOf(anonymous)).toMatchObject({ isAuthenticated: false, data: { cart: ['apple'] } });
      // Reads that need no write keep working, and a logout (a deletion) still goes through.
      await env.http.get('/private', { cookie: signedIn }).then((r) => expect(r.status).toBe(200));
      const logout = await env.http.post('/logout', { cookie: signedIn });
      expect(logout.status).toBe(201);
      expect(clearsCookie(logout)).toBe(true);
      await env.http.get('/private', { cookie: signedIn }).then((r) => expect(r.status).toBe(401));
    } finally {
      await env.inspector.config('SET', 'maxmemory', '0');
    }
    const retry = await env.http.post('/login', { cookie: anonymous, json: { userId: 'oom-victim' } });
    expect(retry.status).toBe(201);
    const me = await env.http.get('/private', { cookie: sessionCookieOf(retry) });
    expect(me.body).toEqual({ userId: 'oom-victim', data: { cart: ['apple'] } });
  });

  it('sessions survive a Redis restart with AOF on: a clean shutdown and a kill -9 lose no acknowledged write', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const cookie = i % 2 === 0 ? await login(`aof-${i}`) : await env.sessionWith({ n: i });
        const write = await env.http.post('/set/before', { cookie, json: { value: `v${i}` } });
        expect(write.status).toBe(201);
        return { i, cookie };
      }),
    );
    const expectAll = async (extra: Record<string, unknown> = {}): Promise<void> => {
      for (const { i, cookie } of sessions) {
        const session = await sessionOf(cookie);
        expect(session.userId).toBe(i % 2 === 0 ? `aof-${i}` : null);
        expect(session.data).toEqual({ ...(i % 2 === 0 ? {} : { n: i }), before: `v${i}`, ...extra });
      }
      expect(await keysWithoutTtl(env.inspector)).toEqual([]);
    };

    await env.redis.stop();
    await env.redis.restart();
    await servedAgain(sessions[0]!.cookie, '/r/session');
    await expectAll();

    for (const { cookie } of sessions) {
      expect((await env.http.post('/set/acked', { cookie, json: { value: 'just before the crash' } })).status).toBe(
        201,
      );
    }
    process.kill(env.redis.pid, 'SIGKILL');
    await env.redis.stop();
    await env.redis.restart();
    await servedAgain(sessions[0]!.cookie, '/r/session');
    await expectAll({ acked: 'just before the crash' });
  });

  it('S30: Redis demoted to a read-only replica (READONLY) → reads work, writes and logins get clean 503s, nothing changes; writes work again once it is primary', async () => {
    const signedIn = await login('readonly-user');
    expect((await env.http.post('/set/k', { cookie: signedIn, json: { value: 'before' } })).status).toBe(201);
    const anonymous = await env.sessionWith({ cart: 'c' });
    // Demote it without losing its data: a second server copies it, is promoted, and ours follows it.
    const other = await RedisServer.start();
    const otherClient = other.client();
    try {
      // Full syncs start at once rather than after the default 5 s wait for more replicas.
      for (const client of [env.inspector, otherClient]) await client.config('SET', 'repl-diskless-sync-delay', '0');
      await otherClient.call('REPLICAOF', '127.0.0.1', String(env.redis.port));
      await waitFor('the replica link to be up', async () =>
        /master_link_status:up/.test(await otherClient.info('replication')),
      );
      await otherClient.call('REPLICAOF', 'NO', 'ONE');
      await env.inspector.call('REPLICAOF', '127.0.0.1', String(other.port));
      await waitFor('the replica link to be up', async () =>
        /master_link_status:up/.test(await env.inspector.info('replication')),
      );

      const read = await env.http.get('/private', { cookie: signedIn });
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ userId: 'readonly-user', data: { k: 'before' } });
      const replies = await Promise.all([
        env.http.post('/set/k', { cookie: signedIn, json: { value: 'during' } }),
        env.http.post('/login', { cookie: anonymous, json: { userId: 'readonly-login' } }),
        env.http.post('/set/fresh', { json: { value: 1 } }),
      ]);
      expect(replies.map((r) => r.status)).toEqual([503, 503, 503]);
      expect(replies.flatMap((r, i) => faultProblems(r, `write ${i}`))).toEqual([]);
    } finally {
      await env.inspector.call('REPLICAOF', 'NO', 'ONE');
      otherClient.disconnect();
      await other.destroy();
    }
    // A client may reconnect after READONLY errors: the first requests after the promotion can still be 503s.
    await servedAgain(signedIn);
    expect((await env.http.get('/private', { cookie: signedIn })).body.data).toEqual({ k: 'before' });
    // The login tried while Redis was read-only did not happen, and the anonymous session is as it was.
    expect((await env.http.get('/private', { cookie: anonymous })).status).toBe(401);
    expect(await sessionOf(anonymous)).toMatchObject({ isAuthenticated: false, data: { cart: 'c' } });
    expect((await env.http.post('/set/k', { cookie: signedIn, json: { value: 'after' } })).status).toBe(201);
    expect((await env.http.get('/private', { cookie: signedIn })).body.data).toEqual({ k: 'after' });
  });

  it('S30: connections reset in the middle of saves (CLIENT KILL) → clean 503s, no corrupted session, no lost acknowledged write', async () => {
    const clients = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => ({ i, cookie: await login(`reset-${i}`), model: new SessionModel() })),
    );
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    let running = true;
    const loops = clients.map(async (client) => {
      for (let n = 0; running; n++) {
        const key = `k${n % 5}`;
        const value = `${client.i}-${n}`;
        const reply = await env.http.post(`/set/${key}`, { cookie: client.cookie, json: { value } });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        problems.push(...faultProblems(reply, `client ${client.i} write ${n}`));
        if (reply.status === 201) client.model.acknowledged(key, value);
        else client.model.unknown(key, value);
      }
    });
    let kills = 0;
    for (let round = 0; round < 8; round++) {
      // Kill only once saves go through again: every kill lands among saves in flight, and the
      // reconnect back-off never grows past a few hundred milliseconds.
      const acknowledged = statuses.get(201) ?? 0;
      await waitFor('saves going through again', () => (statuses.get(201) ?? 0) >= acknowledged + 5, {
        timeoutMs: 10_000,
      });
      kills += Number(await env.inspector.call('CLIENT', 'KILL', 'TYPE', 'normal'));
    }
    await sleep(100);
    running = false;
    await Promise.all(loops);

    expect(problems).toEqual([]);
    expect(kills).toBeGreaterThan(0);
    expect(statuses.get(201)).toBeGreaterThan(0);
    expect(statuses.get(503)).toBeGreaterThan(0);
    await servedAgain(clients[0]!.cookie);
    for (const client of clients) {
      const session = await sessionOf(client.cookie);
      expect(session.userId).toBe(`reset-${client.i}`);
      expect(client.model.check(session.data as Record<string, unknown>)).toEqual([]);
    }
    expect(await keysWithoutTtl(env.inspector)).toEqual([]);
    expect(setCookieFor(await env.http.get('/private', { cookie: clients[0]!.cookie }))).toBeUndefined();
  });
});
