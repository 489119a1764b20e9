import { Injectable } from '@nestjs/common';
import { SessionEvents } from 'nest-redis-session';
import { map } from 'rxjs';
import { CapturingLogger } from './support/capturing-logger.js';
import { sessionCookieOf, setCookieFor } from './support/cookies.js';
import { type HttpClient, type Reply } from './support/robustness-http.js';
import { useRobustnessApp } from './support/robustness-app.js';
import { fillUp, indexMembers, liveRecords, storedDataBytes, unfill } from './support/robustness-redis.js';
import { parkedPost } from './support/robustness.controller.js';
import { RotationController } from './support/rotation.controller.js';
import { ADAPTERS } from './support/test-app.js';

/** A subscriber with a bug: it throws on every event, directly and inside an operator. */
@Injectable()
class ThrowingSubscriber {
  constructor(events: SessionEvents) {
    events.events$.subscribe(() => {
      throw new Error('subscriber bug');
    });
    events
      .ofType('rejected')
      .pipe(
        map(() => {
          throw new TypeError('operator bug');
        }),
      )
      .subscribe();
  }
}

describe.each(ADAPTERS)('rotation and concurrency safety on %s', (adapter) => {
  const app = useRobustnessApp(adapter, { controllers: [RotationController] });
  let http: HttpClient;

  beforeAll(() => {
    http = app.http;
  });

  beforeEach(async () => {
    await app.inspector.flushall();
  });

  async function login(userId: string, cookie?: string): Promise<string> {
    const reply = await http.post('/login', { cookie, json: { userId } });
    expect(reply.status).toBe(201);
    return sessionCookieOf(reply);
  }

  async function anonymousWith(key: string, value: unknown): Promise<string> {
    const reply = await http.post(`/set/${key}`, { json: { value } });
    expect(reply.status).toBe(201);
    return sessionCookieOf(reply);
  }

  async function view(cookie: string): Promise<Reply> {
    return http.get('/rot/view', { cookie });
  }

  describe('1. a rotation whose old session is gone fails closed', () => {
    const endings: Array<[string, (cookie: string) => Promise<void>]> = [
      [
        'logged out',
        async (cookie) => {
          expect((await http.post('/logout', { cookie })).status).toBe(201);
        },
      ],
      [
        'revoked by revokeAllForUser',
        async () => {
          expect((await http.post('/rot/revoke-all/u1')).body).toEqual({ revoked: 1 });
        },
      ],
      [
        'evicted from Redis',
        async () => {
          for (const key of await liveRecords(app.inspector)) await app.inspector.del(key);
        },
      ],
    ];

    it.each(endings)('regenerate() after the session was %s: 401, no cookie, nothing new in Redis', async (_, end) => {
      const cookie = await login('u1', await anonymousWith('cart', ['tea']));
      const pending = await parkedPost(http, 'regen-1', '/rot/slow/:latch/regenerate', cookie);
      await end(cookie);
      const indexedBefore = await indexMembers(app.inspector);
      const reply = await pending();

      expect(reply.status).toBe(401);
      expect(setCookieFor(reply)).toBeUndefined();
      expect(await liveRecords(app.inspector)).toEqual([]);
      // An eviction leaves its member behind (pruned on the next read); nothing new is indexed.
      expect(await indexMembers(app.inspector)).toEqual(indexedBefore);
      expect((await http.get('/private', { cookie })).status).toBe(401);
    });

    it('regenerate() behind AuthGuard after "sign out everywhere": 401, no cookie', async () => {
      const cookie = await login('u1');
      const pending = await parkedPost(http, 'regen-guarded', '/rot/slow-guarded/:latch/regenerate', cookie);
      expect((await http.post('/rot/revoke-all/u1')).body).toEqual({ revoked: 1 });
      const reply = await pending();
      expect(reply.status).toBe(401);
      expect(setCookieFor(reply)).toBeUndefined();
      expect(await liveRecords(app.inspector)).toEqual([]);
    });

    it('login() from a session revoked meanwhile: 401, no cookie, nothing new in Redis', async () => {
      const cookie = await login('u1');
      const pending = await parkedPost(http, 'relogin', '/rot/slow/:latch/login', cookie, { userId: 'u1' });
      expect((await http.post('/rot/revoke-all/u1')).body).toEqual({ revoked: 1 });
      const reply = await pending();

      expect(reply.status).toBe(401);
      expect(setCookieFor(reply)).toBeUndefined();
      expect(await liveRecords(app.inspector)).toEqual([]);
      expect(await indexMembers(app.inspector)).toEqual([]);
      expect((await http.get('/rot/devices/u1')).body).toEqual({ publicIds: [] });
    });

    it('login() from an anonymous session that expired meanwhile: 401, no cookie, nothing new', async () => {
      const cookie = await anonymousWith('cart', ['tea']);
      const pending = await parkedPost(http, 'anon-login', '/rot/slow/:latch/login', cookie, { userId: 'u1' });
      for (const key of await liveRecords(app.inspector)) await app.inspector.del(key);
      const reply = await pending();
      expect(reply.status).toBe(401);
      expect(setCookieFor(reply)).toBeUndefined();
      expect(await liveRecords(app.inspector)).toEqual([]);
    });
  });

  describe('2 and 8. an old anonymous ID never reaches the login it rotated into', () => {
    it('a planted pre-login ID sees none of the victim’s data and writes nothing into it', async () => {
      const planted = await anonymousWith('planted', 'x');
      const victim = await login('victim', planted);
      expect((await http.post('/set/csrf', { cookie: victim, json: { value: 'victim-token' } })).status).toBe(201);

      const seen = await view(planted);
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({ isNew: true, isAuthenticated: false, userId: null, data: {} });
      expect(setCookieFor(seen)).toBeUndefined();

      const replaced = await http.post('/rot/replace', { cookie: planted, json: { value: { evil: 1 } } });
      const added = await http.post('/set/address', { cookie: planted, json: { value: 'attacker street' } });
      for (const reply of [replaced, added]) {
        expect(reply.status).toBe(201);
        expect(setCookieFor(reply)).toBeUndefined();
      }
      expect((await http.get('/private', { cookie: planted })).status).toBe(401);

      const mine = await view(victim);
      expect(mine.body).toMatchObject({ userId: 'victim', data: { planted: 'x', csrf: 'victim-token' } });
      expect(Object.keys(mine.body.data as object).sort()).toEqual(['csrf', 'planted']);
    });

    it('a slow request of the anonymous session does not write into the login that followed (shared browser)', async () => {
      const shared = await anonymousWith('greeting', 'hi');
      const pending = await parkedPost(http, 'shared', '/r/slow/:latch/set/aliceNote', shared, {
        value: 'alice private',
      });
      const bob = await login('bob', shared);
      const late = await pending();

      expect(late.status).toBe(201);
      expect(setCookieFor(late)).toBeUndefined();
      const bobs = await view(bob);
      expect(bobs.body).toMatchObject({ userId: 'bob', data: { greeting: 'hi' } });
      expect(bobs.body.data).not.toHaveProperty('aliceNote');
    });

    it('a write committed before the login is kept: the login carries the data the session held', async () => {
      const cookie = await anonymousWith('cart', ['tea']);
      const pending = await parkedPost(http, 'carry', '/rot/slow/:latch/login', cookie, { userId: 'u8' });
      expect((await http.post('/set/coupon', { cookie, json: { value: 'SAVE10' } })).status).toBe(201);
      const signedIn = sessionCookieOf(await pending());
      expect((await view(signedIn)).body).toMatchObject({ userId: 'u8', data: { cart: ['tea'], coupon: 'SAVE10' } });
    });
  });

  describe('3. only the holder of the current ID can rotate or end the session', () => {
    const actions: Array<[string, string, unknown]> = [
      ['regenerate()', '/regenerate', undefined],
      ['login() as the same user', '/login', { userId: 'owner' }],
      ['logout()', '/logout', undefined],
      ['destroy()', '/rot/destroy', undefined],
    ];

    it.each(actions)(
      'the old cookie after regenerate() gets 409 from %s and the new cookie keeps working',
      async (_, path, json) => {
        const before = await login('owner');
        const regenerated = await http.post('/regenerate', { cookie: before });
        const after = sessionCookieOf(regenerated);

        const stolen = await http.post(path, { cookie: before, json });
        expect(stolen.status).toBe(409);
        expect(setCookieFor(stolen)).toBeUndefined();

        const mine = await http.get('/private', { cookie: after });
        expect(mine.status).toBe(200);
        expect(mine.body.userId).toBe('owner');
      },
    );

    it('signing in again sheds a thief holding the old cookie: the thief cannot rotate it back', async () => {
      const shared = await login('victim');
      const fresh = await login('victim', shared);
      const thief = await http.post('/regenerate', { cookie: shared });
      expect(thief.status).toBe(409);
      expect(setCookieFor(thief)).toBeUndefined();
      expect((await http.get('/private', { cookie: fresh })).status).toBe(200);
    });

    it('a request that loaded the session before another request rotated it cannot rotate it again', async () => {
      const before = await login('owner');
      const pending = await parkedPost(http, 'double-regen', '/rot/slow/:latch/regenerate', before);
      const after = sessionCookieOf(await http.post('/regenerate', { cookie: before }));
      const late = await pending();
      expect(late.status).toBe(409);
      expect(setCookieFor(late)).toBeUndefined();
      expect((await http.get('/private', { cookie: after })).body.userId).toBe('owner');
    });

    it('reads and writes with the old cookie still reach the same user’s new session during the grace period', async () => {
      const before = await login('owner');
      const after = sessionCookieOf(await http.post('/regenerate', { cookie: before }));
      const read = await http.get('/private', { cookie: before });
      expect(read.status).toBe(200);
      expect(read.body.userId).toBe('owner');
      expect((await http.post('/set/late', { cookie: before, json: { value: 1 } })).status).toBe(201);
      expect((await http.get('/private', { cookie: after })).body.data).toEqual({ late: 1 });
    });
  });

  describe('4. maxSessionBytes holds for the stored record under concurrency', () => {
    it('40 concurrent saves of a 60 kB key each: at most one is stored, the rest get 413', async () => {
      const cookie = await anonymousWith('seed', 1);
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, i) => http.post(`/set-size/big${i}/60000`, { cookie })),
      );
      const statuses = replies.map((reply) => reply.status);
      expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(1);
      expect(statuses.every((status) => status === 201 || status === 413)).toBe(true);
      const [key] = await liveRecords(app.inspector);
      expect(await storedDataBytes(app.inspector, key!)).toBeLessThanOrEqual(65_536);
      // Not stuck: small writes still go through.
      expect((await http.post('/set/small', { cookie, json: { value: 'ok' } })).status).toBe(201);
    });

    it('a record above the limit (a lowered limit, a hand edit) can always be brought back under it', async () => {
      const cookie = await anonymousWith('seed', 1);
      const [key] = await liveRecords(app.inspector);
      await app.inspector.hset(key!, 'huge', JSON.stringify('x'.repeat(100_000)));
      expect((await http.post('/set-size/more/10', { cookie })).status).toBe(413);
      expect((await http.send('DELETE', '/key/huge', { cookie })).status).toBe(200);
      expect((await http.post('/set/small', { cookie, json: { value: 'ok' } })).status).toBe(201);
      expect(await storedDataBytes(app.inspector, key!)).toBeLessThan(1_000);
    });
  });

  describe('5. a double-submitted login keeps the data whichever cookie the browser keeps', () => {
    it('the second login finds the first one’s move: 409, no cookie, the first session holds the cart', async () => {
      const anonymous = await anonymousWith('cart', ['tea']);
      const first = await parkedPost(http, 'login-a', '/rot/slow/:latch/login', anonymous, { userId: 'u5' });
      const second = await parkedPost(http, 'login-b', '/rot/slow/:latch/login', anonymous, { userId: 'u5' });
      const a = await first();
      const b = await second();

      expect(a.status).toBe(201);
      expect(b.status).toBe(409);
      expect(setCookieFor(b)).toBeUndefined();
      expect((await view(sessionCookieOf(a))).body).toMatchObject({ userId: 'u5', data: { cart: ['tea'] } });
    });

    it('concurrent logins from one anonymous session never leave a cookie to an empty session (20 rounds)', async () => {
      for (let round = 0; round < 20; round++) {
        const anonymous = await anonymousWith('cart', [round]);
        const replies = await Promise.all([
          http.post('/login', { cookie: anonymous, json: { userId: 'u5' } }),
          http.post('/login', { cookie: anonymous, json: { userId: 'u5' } }),
        ]);
        for (const reply of replies) {
          expect([201, 409]).toContain(reply.status);
          if (setCookieFor(reply) === undefined) continue;
          expect((await view(sessionCookieOf(reply))).body).toMatchObject({ userId: 'u5', data: { cart: [round] } });
        }
        expect(replies.some((reply) => reply.status === 201)).toBe(true);
      }
    });
  });

  describe('6. Redis out of memory (maxmemory, noeviction)', () => {
    // touchAfter 0: every read is due for an idle-timer refresh.
    const full = useRobustnessApp(adapter, { module: { touchAfter: 0 } });

    afterEach(async () => {
      await unfill(full.inspector);
      await full.inspector.flushall();
    });

    it('a read whose idle-timer refresh is refused still serves the session; the refresh comes later', async () => {
      const anonymous = sessionCookieOf(await full.http.post('/set/cart', { json: { value: ['tea'] } }));
      const cookie = sessionCookieOf(await full.http.post('/login', { cookie: anonymous, json: { userId: 'u6' } }));
      const [key] = await liveRecords(full.inspector);
      const seenBefore = await full.inspector.hget(key!, '#s');
      await fillUp(full.inspector);
      await new Promise((resolve) => setTimeout(resolve, 5));

      const read = await full.http.get('/private', { cookie });
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ userId: 'u6', data: { cart: ['tea'] } });
      expect(await full.inspector.hget(key!, '#s')).toBe(seenBefore);

      await unfill(full.inspector);
      expect((await full.http.get('/private', { cookie })).status).toBe(200);
      expect(Number(await full.inspector.hget(key!, '#s'))).toBeGreaterThan(Number(seenBefore));
    });

    it('logout works while Redis is full; a write that adds data gets 503 and changes nothing', async () => {
      const cookie = sessionCookieOf(await full.http.post('/login', { json: { userId: 'u6' } }));
      await fillUp(full.inspector);

      const write = await full.http.post('/set/more', { cookie, json: { value: 'x'.repeat(100) } });
      expect(write.status).toBe(503);
      expect(setCookieFor(write)).toBeUndefined();

      const logout = await full.http.post('/logout', { cookie });
      expect(logout.status).toBe(201);
      expect(setCookieFor(logout)).toMatch(/Max-Age=0/i);
      expect(await liveRecords(full.inspector)).toEqual([]);

      await unfill(full.inspector);
      expect((await full.http.get('/private', { cookie })).status).toBe(401);
    });
  });

  describe('7. a throwing SessionEvents subscriber', () => {
    const logger = new CapturingLogger();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      uncaught.push(error);
    };

    // Listening from before the app starts until after it closes: hooks run in the order declared.
    beforeAll(() => {
      process.on('uncaughtException', onUncaught);
    });
    const buggy = useRobustnessApp(adapter, { providers: [ThrowingSubscriber], logger });
    afterAll(() => {
      process.off('uncaughtException', onUncaught);
    });

    it('never fails, delays or crashes anything; the library logs it once per kind', async () => {
      const replies = await Promise.all(
        Array.from({ length: 10 }, () => buggy.http.get('/session', { cookie: 'sid=junk' })),
      );
      for (const reply of replies) expect(reply.status).toBe(200);
      const login = await buggy.http.post('/login', { json: { userId: 'u7' } });
      expect(login.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(uncaught).toEqual([]);
      const reports = logger.at('error').filter((line) => line.includes('SessionEvents subscriber'));
      expect(reports.filter((line) => line.includes('subscriber bug'))).toHaveLength(1);
      expect(reports.filter((line) => line.includes('operator bug'))).toHaveLength(1);
    });
  });

  describe('9. an ambiguous pair of session cookies', () => {
    it('destroy() and logout() clear nothing the browser would replace with the other (tossed) cookie', async () => {
      const mine = await anonymousWith('mine', 1);
      const tossed = await anonymousWith('theirs', 2);
      for (const path of ['/rot/destroy', '/logout']) {
        const reply = await http.post(path, { cookie: `${mine}; ${tossed}` });
        expect(reply.status).toBe(201);
        expect(setCookieFor(reply)).toBeUndefined();
      }
      expect(await liveRecords(app.inspector)).toHaveLength(2);
    });
  });
});
