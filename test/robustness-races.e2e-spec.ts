import { FixtureController } from './support/fixture.controller.js';
import { clearsCookie, sessionCookieOf, setCookies } from './support/cookies.js';
import { HttpClient, listen } from './support/robustness-http.js';
import { liveRecords } from './support/robustness-redis.js';
import { Latches, RobustnessController } from './support/robustness.controller.js';
import { useRedisServer } from './support/redis-fixture.js';
import { ADAPTERS, createSessionApp } from './support/test-app.js';

/** Each race runs this many times: a race that is lost once in a while must still show up. */
const ROUNDS = 20;
/** A short rotation grace period, so the "grace on" races can wait it out. */
const SHORT_GRACE = 100;
/** Rounds of the grace-period races: each waits the grace period out. */
const GRACE_ROUNDS = 10;

describe.each(ADAPTERS)('robustness: races on %s', (adapter) => {
  const redis = useRedisServer();
  let http: HttpClient;
  /** The same routes with `rotationGracePeriod: 0`: a rotated ID ends at once (strict S23). */
  let strict: HttpClient;
  let grace: HttpClient;

  beforeAll(async () => {
    const build = async (rotationGracePeriod?: number): Promise<HttpClient> => {
      const built = redis.closeBeforeStop(
        await createSessionApp(
          adapter,
          { redis: redis.url, rotationGracePeriod },
          { controllers: [FixtureController, RobustnessController] },
        ),
      );
      return redis.closeBeforeStop(new HttpClient(await listen(built)));
    };
    http = await build();
    strict = await build(0);
    grace = await build(SHORT_GRACE);
  });

  async function login(userId: string, cookie?: string, via: HttpClient = http): Promise<string> {
    const reply = await via.post('/login', { cookie, json: { userId } });
    expect(reply.status).toBe(201);
    return sessionCookieOf(reply);
  }

  async function anonymousWith(key: string, value: unknown, via: HttpClient = http): Promise<string> {
    const reply = await via.post(`/set/${key}`, { json: { value } });
    expect(reply.status).toBe(201);
    return sessionCookieOf(reply);
  }

  /** Whether a key holds no session: absent, or a rotation's tombstone (no data, no authenticated mark). */
  async function holdsNoSession(key: string): Promise<boolean> {
    const fields = Object.keys(await redis.inspector.hgetall(key));
    return fields.every((field) => ['#f', '#g', '#n', '#o'].includes(field));
  }

  async function keyOf(cookie: string): Promise<string> {
    const reply = await http.get('/r/session', { cookie });
    expect(reply.body.isNew).toBe(false);
    return `sess:{${reply.body.publicId}}`;
  }

  it(`keeps all 100 keys when 100 concurrent requests on one session each set a different key (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const cookie = await anonymousWith('seed', round);
      const replies = await Promise.all(
        Array.from({ length: 100 }, (_, i) => http.post(`/set/c${i}`, { cookie, json: { value: round * 1_000 + i } })),
      );
      expect(replies.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 201));
      expect(replies.flatMap(setCookies)).toEqual([]);
      const read = await http.get('/r/session', { cookie });
      const expected: Record<string, number> = { seed: round };
      for (let i = 0; i < 100; i++) expected[`c${i}`] = round * 1_000 + i;
      expect(read.body.data).toEqual(expected);
    }
  });

  type Ending = 'logout' | 'regenerate' | 'login' | 'deleted in Redis';

  /** Ends the session `cookie` names while requests that loaded it are parked; returns the new cookie, if any. */
  async function endSession(via: HttpClient, ending: Ending, cookie: string, key: string): Promise<string | undefined> {
    switch (ending) {
      case 'logout': {
        const reply = await via.post('/logout', { cookie });
        expect(reply.status).toBe(201);
        expect(clearsCookie(reply)).toBe(true);
        return undefined;
      }
      case 'regenerate':
        return sessionCookieOf(await via.post('/regenerate', { cookie }));
      case 'login':
        return login('racer', cookie, via);
      case 'deleted in Redis':
        await redis.inspector.del(key);
        return undefined;
    }
  }

  /** Parks two requests that loaded the session (one behind AuthGuard when it is signed in) on latches. */
  async function park(via: HttpClient, cookie: string, signedIn: boolean, slug: string) {
    const latches = [`${slug}-a`, `${slug}-b`];
    const parked = [
      via.post(`/r/slow/${latches[0]}/set/late`, { cookie, json: { value: 'resurrected?' } }),
      signedIn
        ? via.post(`/r/slow-guarded/${latches[1]}/set/late2`, { cookie, json: { value: 'resurrected?' } })
        : via.post(`/r/slow/${latches[1]}/set/late2`, { cookie, json: { value: 'resurrected?' } }),
    ];
    await Promise.race([
      Promise.all(latches.map((name) => Latches.arrived(name))),
      Promise.all(parked).then((replies) => {
        throw new Error(`parked requests answered before their latch: ${replies.map((r) => r.status).join()}`);
      }),
    ]);
    return {
      async release() {
        for (const name of latches) Latches.release(name);
        const replies = await Promise.all(parked);
        for (const reply of replies) {
          expect(reply.status).toBe(201);
          // The parked requests neither set a new cookie nor cleared the one the browser now holds.
          expect(setCookies(reply)).toEqual([]);
        }
      },
    };
  }

  it.each<Ending>(['logout', 'regenerate', 'login', 'deleted in Redis'])(
    `S23: a request that loaded the session before a %s saves nothing: the old session never comes back (${ROUNDS} rounds, rotationGracePeriod 0)`,
    async (ending) => {
      for (let round = 0; round < ROUNDS; round++) {
        const signedIn = ending !== 'login';
        const cookie = signedIn
          ? await login(`victim-${round}`, undefined, strict)
          : await anonymousWith('cart', ['apple'], strict);
        const key = await keyOf(cookie);
        const parked = await park(strict, cookie, signedIn, `${adapter}-${ending.replace(/ /g, '-')}-${round}`);

        const next = await endSession(strict, ending, cookie, key);
        expect(await holdsNoSession(key)).toBe(true);
        await parked.release();

        expect(await holdsNoSession(key)).toBe(true);
        expect((await strict.get('/private', { cookie })).status).toBe(401);
        expect((await strict.get('/r/session', { cookie })).body.isNew).toBe(true);
        if (next !== undefined) {
          // The session that took over stays valid, whatever became of the parked changes.
          expect((await strict.get('/r/session', { cookie: next })).body.isNew).toBe(false);
        }
        expect(await liveRecords(redis.inspector)).toHaveLength(next === undefined ? 0 : 1);
        await redis.inspector.flushall();
      }
    },
  );

  it.each<Ending>(['regenerate', 'login'])(
    `S23 with a rotation grace period: during a %s the old ID holds no data and no login, and is gone once the grace ends (${GRACE_ROUNDS} rounds)`,
    async (ending) => {
      for (let round = 0; round < GRACE_ROUNDS; round++) {
        const signedIn = ending === 'regenerate';
        const cookie = signedIn
          ? await login(`graced-${round}`, undefined, grace)
          : await anonymousWith('cart', ['apple'], grace);
        const key = await keyOf(cookie);
        const parked = await park(grace, cookie, signedIn, `${adapter}-grace-${ending}-${round}`);
        const next = await endSession(grace, ending, cookie, key);
        await parked.release();
        // Only a forwarding marker is left under the old key: no data, no authenticated mark. It forwards
        // for the grace period and stands a little longer (ten command timeouts), so a logout or revoke
        // racing the rotation sees it moved.
        const left = await redis.inspector.hgetall(key);
        expect(Object.keys(left).sort()).toEqual(['#f', '#g', '#n', '#o']);
        expect(Number(left['#g'])).toBeLessThanOrEqual(Date.now() + SHORT_GRACE);
        expect(await redis.inspector.pttl(key)).toBeLessThanOrEqual(10 * 1_000);
        await new Promise((resolve) => setTimeout(resolve, SHORT_GRACE + 50));
        expect(await holdsNoSession(key)).toBe(true);
        expect((await grace.get('/private', { cookie })).status).toBe(401);
        expect((await grace.get('/r/session', { cookie })).body.isNew).toBe(true);
        expect((await grace.get('/r/session', { cookie: next })).body.isNew).toBe(false);
        expect(await liveRecords(redis.inspector)).toHaveLength(1);
        await redis.inspector.flushall();
      }
    },
  );

  it(`S23: a logout in the middle of a burst of writes leaves no record behind (${ROUNDS} rounds, no latches)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const cookie = await login(`burst-${round}`);
      const key = await keyOf(cookie);
      const writes = Array.from({ length: 10 }, (_, i) =>
        http.post(`/set/w${i}`, { cookie, json: { value: i } }).then((r) => r.status),
      );
      const logout = http.post('/logout', { cookie });
      const more = Array.from({ length: 10 }, (_, i) =>
        http.post(`/set/x${i}`, { cookie, json: { value: i } }).then((r) => r.status),
      );
      const statuses = await Promise.all([...writes, ...more]);
      expect((await logout).status).toBe(201);
      expect(statuses.every((s) => s === 201)).toBe(true);
      // Every write either landed before the logout (and was deleted with it) or found the record gone.
      expect(await redis.inspector.exists(key)).toBe(0);
      expect((await http.get('/private', { cookie })).status).toBe(401);
      // A write that lost the race may have started a fresh anonymous session of its own; never the old one.
      for (const k of await liveRecords(redis.inspector)) expect(await redis.inspector.hget(k, '#u')).toBeNull();
      await redis.inspector.flushall();
    }
  });

  it(`two logins of one user at once give two distinct sessions, both valid (${ROUNDS} rounds, default grace period)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // Two browsers.
      const [first, second] = await Promise.all([login('twice'), login('twice')]);
      expect(first).not.toBe(second);
      // One browser sending its login twice (a double click), from the same anonymous session: one login
      // moves the session, the other finds it moved (409) and sets no cookie.
      const anonymous = await anonymousWith('cart', [round]);
      const doubled = await Promise.all(
        [1, 2].map(() => http.post('/login', { cookie: anonymous, json: { userId: 'twice' } })),
      );
      expect(doubled.map((reply) => reply.status).sort()).toEqual([201, 409]);
      const third = sessionCookieOf(doubled.find((reply) => reply.status === 201)!);
      expect(setCookies(doubled.find((reply) => reply.status === 409)!)).toEqual([]);
      expect(new Set([first, second, third, anonymous]).size).toBe(4);
      for (const cookie of [first, second, third]) {
        const me = await http.get('/private', { cookie });
        expect(me.status).toBe(200);
        expect(me.body.userId).toBe('twice');
      }
      expect((await http.get('/private', { cookie: third })).body.data).toEqual({ cart: [round] });
      // The anonymous cookie never becomes a signed-in one (during the grace period it sees an empty session).
      expect((await http.get('/private', { cookie: anonymous })).status).toBe(401);
      expect(await liveRecords(redis.inspector)).toHaveLength(3);
      await redis.inspector.flushall();
    }
  });
});
