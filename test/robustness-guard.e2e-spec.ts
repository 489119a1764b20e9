import { useRobustnessApp } from './support/robustness-app.js';
import { sessionCookieOf, setCookies } from './support/cookies.js';
import { type Reply } from './support/robustness-http.js';
import { liveRecords } from './support/robustness-redis.js';
import { RobustnessController } from './support/robustness.controller.js';
import { CookieSignerForTests } from './support/signer.js';
import { ADAPTERS, TEST_SECRET } from './support/test-app.js';

const COMMAND_TIMEOUT = 300;

describe.each(ADAPTERS)('robustness: guard, anonymous traffic and eviction on %s', (adapter) => {
  const env = useRobustnessApp(adapter, { module: { commandTimeout: COMMAND_TIMEOUT } });

  beforeEach(async () => {
    await env.inspector.config('SET', 'maxmemory', '0');
    await env.inspector.config('SET', 'maxmemory-policy', 'noeviction');
    await env.inspector.flushall();
  });

  async function login(userId: string): Promise<string> {
    return sessionCookieOf(await env.http.post('/login', { json: { userId } }));
  }

  it('S22: 10,000 requests with no cookie or a bad one store nothing and set no cookie', async () => {
    const valid = (await login('someone')).slice('sid='.length);
    await env.inspector.flushall();
    const forged = new CookieSignerForTests([TEST_SECRET]).signFresh().value;
    const cookies = [
      undefined,
      'sid=',
      'sid=junk',
      `sid=${valid}x`,
      `sid=${valid.slice(0, -1)}A`,
      `sid=${valid.split('.')[0]!}`,
      `sid=${forged}`,
      'other=1; sid="x"',
    ];
    const paths = ['/r/session', '/private', '/anonymous', '/key/theme', '/theme'];
    const statuses = new Map<number, number>();
    let withCookie = 0;
    for (let batch = 0; batch < 200; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i): Promise<Reply> => {
          const n = batch * 50 + i;
          return env.http.get(paths[n % paths.length]!, { cookie: cookies[n % cookies.length] });
        }),
      );
      for (const reply of replies) {
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (setCookies(reply).length > 0) withCookie++;
      }
    }
    // 503 only if the loaded machine made a load miss commandTimeout: allowed, it writes nothing either.
    expect([...statuses.keys()].filter((status) => ![200, 401, 503].includes(status))).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b)).toBe(10_000);
    expect(withCookie).toBe(0);
    expect(await env.inspector.dbsize()).toBe(0);
  });

  it('S4: a valid ID sent in the body is ignored: a new session is started, the real one untouched', async () => {
    const cookie = await login('body-user');
    const value = cookie.slice('sid='.length);
    const reply = await env.http.post('/set/stolen', { json: { value, sid: value } });
    expect(reply.status).toBe(201);
    expect(sessionCookieOf(reply)).not.toBe(cookie);
    expect((await env.http.get('/private', { cookie })).body).toEqual({ userId: 'body-user', data: {} });
  });

  it('S27: a refused request (no cookie, bad cookie, anonymous, unknown, Redis down) never reaches the handler', async () => {
    const anonymous = sessionCookieOf(await env.http.post('/set/a', { json: { value: 1 } }));
    const signedIn = await login('counted');
    const unknown = `sid=${new CookieSignerForTests([TEST_SECRET]).signFresh().value}`;
    RobustnessController.guardedCalls = 0;
    for (const cookie of [undefined, 'sid=junk', anonymous, unknown]) {
      expect((await env.http.get('/r/guarded-count', { cookie })).status).toBe(401);
    }
    process.kill(env.redis.pid, 'SIGSTOP');
    try {
      expect((await env.http.get('/r/guarded-count', { cookie: signedIn })).status).toBe(503);
    } finally {
      process.kill(env.redis.pid, 'SIGCONT');
    }
    expect(RobustnessController.guardedCalls).toBe(0);
    expect((await env.http.get('/r/guarded-count', { cookie: signedIn })).body).toEqual({ calls: 1 });
  });

  it('S29: @RecentLogin refuses a login older than its limit, with the rest of the session intact; a new login passes', async () => {
    const cookie = await login('step-up');
    expect((await env.http.get('/recent', { cookie })).status).toBe(200);
    const [key] = await liveRecords(env.inspector);
    // The login happened 61 s ago (the fixture route asks for 60 s).
    const loginAt = Number(await env.inspector.hget(key!, '#t'));
    await env.inspector.hset(key!, '#t', String(loginAt - 61_000), '#c', String(loginAt - 61_000));
    const refused = await env.http.get('/recent', { cookie });
    expect(refused.status).toBe(401);
    expect(refused.body.message).toMatch(/sign in again/i);
    expect((await env.http.get('/private', { cookie })).body.userId).toBe('step-up');
    const again = sessionCookieOf(await env.http.post('/login', { cookie, json: { userId: 'step-up' } }));
    expect((await env.http.get('/recent', { cookie: again })).status).toBe(200);
  });

  it('S39: records evicted under memory pressure (allkeys-random) are no session: intact or 401, never partial, never a 5xx', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const cookie = await login(`evicted-${i}`);
        expect((await env.http.post('/set/cart', { cookie, json: { value: [i] } })).status).toBe(201);
        return { i, cookie };
      }),
    );
    const info = await env.inspector.info('memory');
    const used = Number(/used_memory:(\d+)/.exec(info)![1]);
    await env.inspector.config('SET', 'maxmemory-policy', 'allkeys-random');
    await env.inspector.config('SET', 'maxmemory', String(used + 256 * 1024));
    const filler = 'f'.repeat(1_024);
    for (let i = 0; i < 2_000; i += 100) {
      await env.inspector.mset(Object.fromEntries(Array.from({ length: 100 }, (_, j) => [`filler:${i + j}`, filler])));
    }
    expect(Number(/evicted_keys:(\d+)/.exec(await env.inspector.info('stats'))![1])).toBeGreaterThan(0);

    let gone = 0;
    for (const { i, cookie } of sessions) {
      const reply = await env.http.get('/private', { cookie });
      if (reply.status === 401) {
        gone++;
        expect((await env.http.get('/r/session', { cookie })).body.isNew).toBe(true);
      } else {
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ userId: `evicted-${i}`, data: { cart: [i] } });
      }
    }
    expect(gone).toBeGreaterThan(0);
  });
});
