import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  SessionEvents,
  SessionRepository,
  type RedisSessionModuleOptions,
  type SessionEvent,
} from 'nest-redis-session';
import { config as rxjsConfig } from 'rxjs';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { CommandRecorder } from './support/command-recorder.js';
import { cookieFrom, valueOf } from './support/cookies.js';
import { DeviceLoginController, DevicesController } from './support/devices.controller.js';
import { FixtureController } from './support/fixture.controller.js';
import { useRedisServer } from './support/redis-fixture.js';
import { publicIdForTests } from './support/signer.js';
import { ADAPTERS, createSessionApp, type AdapterName } from './support/test-app.js';

type Server = Parameters<typeof request>[0];

/** A user's index key: 128 bits of the SHA-256 of the user ID, base64url, as the hash tag. */
const indexKeyOf = (userId: string) =>
  `sess:u:{${createHash('sha256').update(userId).digest().subarray(0, 16).toString('base64url')}}`;
/** Session records (not rotation tombstones, which hold no '#c' field). */
async function liveRecords(inspector: Redis): Promise<string[]> {
  const keys = await inspector.keys('sess:{*');
  const live = await Promise.all(
    keys.map(async (key) => ((await inspector.hexists(key, '#c')) === 1 ? key : undefined)),
  );
  return live.filter((key): key is string => key !== undefined);
}

const publicIdOfCookie = (cookie: string) => publicIdForTests(valueOf(cookie).split('.')[0]!);

describe.each(ADAPTERS)('users and devices on %s', (adapter: AdapterName) => {
  const redis = useRedisServer();
  const apps: INestApplication[] = [];

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  async function start(
    options: Partial<RedisSessionModuleOptions> = {},
  ): Promise<{ app: INestApplication; server: Server }> {
    const app = await createSessionApp(
      adapter,
      { redis: redis.url, ...options },
      { controllers: [FixtureController, DevicesController, DeviceLoginController] },
    );
    apps.push(app);
    return { app, server: app.getHttpServer() as Server };
  }

  async function login(server: Server, userId: string, agent = 'test-agent', label?: string): Promise<string> {
    const response = await request(server).post('/device-login').set('User-Agent', agent).send({ userId, label });
    expect(response.status).toBe(201);
    return cookieFrom(response);
  }

  it('lists three logins of one user with their device facts, the caller marked current', async () => {
    const { server } = await start();
    const laptop = await login(server, 'ada', 'Firefox on laptop', 'laptop');
    await sleep(5);
    const phone = await login(server, 'ada', 'Safari on phone');
    await sleep(5);
    const tablet = await login(server, 'ada', 'Chrome on tablet');
    await login(server, 'someone-else', 'Other');

    const list = await request(server).get('/devices').set('Cookie', phone).expect(200);
    const sessions = list.body as Array<{ userAgent: string; publicId: string; current: boolean }>;
    expect(sessions).toHaveLength(3);
    // Newest first.
    expect(sessions.map((s) => s.userAgent)).toEqual(['Chrome on tablet', 'Safari on phone', 'Firefox on laptop']);
    expect(sessions.map((s) => s.publicId)).toEqual([tablet, phone, laptop].map(publicIdOfCookie));
    expect(sessions.map((s) => s.current)).toEqual([false, true, false]);
    for (const entry of list.body as Record<string, unknown>[]) {
      expect(entry.ip).toMatch(/127\.0\.0\.1/);
      expect(Date.parse(entry.createdAt as string)).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(entry.expiresAt as string)).toBeGreaterThan(Date.now());
      // The raw ID is nowhere in the listing.
      for (const cookie of [laptop, phone, tablet])
        expect(JSON.stringify(entry)).not.toContain(valueOf(cookie).split('.')[0]);
    }
    expect(list.body[2].metadata).toEqual({ label: 'laptop' });
    const count = await request(server).get('/devices/count').set('Cookie', laptop).expect(200);
    expect(count.body).toEqual({ count: 3 });
  });

  it('records a short description of the browser by default: the record stays in the compact listpack encoding', async () => {
    const { server } = await start();
    const chrome =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const cookie = await login(server, 'listpack-ada', chrome);
    const list = await request(server).get('/devices').set('Cookie', cookie).expect(200);
    expect((list.body as Array<{ userAgent: string }>)[0]!.userAgent).toBe('Chrome 131 on Windows');
    const [record] = await liveRecords(redis.inspector);
    expect(await redis.inspector.hget(record!, '#a')).toBe('Chrome 131 on Windows');
    expect(await redis.inspector.object('ENCODING', record!)).toBe('listpack');
  });

  it('keeps at most 64 bytes of a User-Agent it does not recognise, so the record stays in listpack', async () => {
    const { server } = await start();
    const cookie = await login(server, 'odd-ada', `odd ${'é'.repeat(100)}`);
    const list = await request(server).get('/devices').set('Cookie', cookie).expect(200);
    const described = (list.body as Array<{ userAgent: string }>)[0]!.userAgent;
    expect(Buffer.byteLength(described, 'utf8')).toBeLessThanOrEqual(64);
    expect(described.startsWith('odd ')).toBe(true);
    const [record] = await liveRecords(redis.inspector);
    expect(await redis.inspector.object('ENCODING', record!)).toBe('listpack');
  });

  it("userAgent: 'full' keeps the header's first 256 characters, which moves the record out of listpack", async () => {
    const { server } = await start({ device: { userAgent: 'full' } });
    const cookie = await login(server, 'long-ada', 'y'.repeat(300));
    const list = await request(server).get('/devices').set('Cookie', cookie).expect(200);
    expect((list.body as Array<{ userAgent: string }>)[0]!.userAgent).toBe('y'.repeat(256));
    const [record] = await liveRecords(redis.inspector);
    expect(await redis.inspector.object('ENCODING', record!)).toBe('hashtable');
  });

  it('device facts can be turned off', async () => {
    const { server } = await start({ device: { userAgent: false, ip: false } });
    const cookie = await login(server, 'private-ada', 'Firefox');
    const list = await request(server).get('/devices').set('Cookie', cookie).expect(200);
    expect(list.body[0].userAgent).toBeUndefined();
    expect(list.body[0].ip).toBeUndefined();
  });

  it('revoke-others leaves only the caller signed in; the others get 401 on their very next request, on every instance', async () => {
    const { server } = await start();
    const { server: otherInstance } = await start();
    const keep = await login(server, 'bob');
    const others = [await login(server, 'bob'), await login(otherInstance, 'bob')];
    const response = await request(server).post('/devices/revoke-others').set('Cookie', keep).expect(200);
    expect(response.body).toEqual({ revoked: 2 });
    for (const cookie of others) {
      await request(server).get('/private').set('Cookie', cookie).expect(401);
      await request(otherInstance).get('/private').set('Cookie', cookie).expect(401);
    }
    await request(otherInstance).get('/private').set('Cookie', keep).expect(200);
    const list = await request(server).get('/devices').set('Cookie', keep).expect(200);
    expect(list.body).toHaveLength(1);
  });

  it("revokes one session, and never another user's", async () => {
    const { server } = await start();
    const mine = await login(server, 'carol');
    const second = await login(server, 'carol');
    const theirs = await login(server, 'mallory');
    const stolen = await request(server)
      .delete(`/devices/${publicIdOfCookie(theirs)}`)
      .set('Cookie', mine)
      .expect(200);
    expect(stolen.body).toEqual({ revoked: false });
    await request(server).get('/private').set('Cookie', theirs).expect(200);
    const revoked = await request(server)
      .delete(`/devices/${publicIdOfCookie(second)}`)
      .set('Cookie', mine)
      .expect(200);
    expect(revoked.body).toEqual({ revoked: true });
    await request(server).get('/private').set('Cookie', second).expect(401);
  });

  it('holds maxSessionsPerUser under 20 concurrent logins (evict-oldest): exactly 3 live sessions', async () => {
    const { app, server } = await start({ maxSessionsPerUser: 3 });
    const events: SessionEvent[] = [];
    const subscription = app
      .get(SessionEvents)
      .ofType('evicted')
      .subscribe((event) => events.push(event));
    const cookies = await Promise.all(Array.from({ length: 20 }, () => login(server, 'dave')));
    const statuses = await Promise.all(
      cookies.map(async (cookie) => (await request(server).get('/private').set('Cookie', cookie)).status),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    expect(statuses.filter((status) => status === 401)).toHaveLength(17);
    expect(await redis.inspector.zcard(indexKeyOf('dave'))).toBe(3);
    const records = await redis.inspector.keys('sess:{*');
    expect(records).toHaveLength(3);
    await sleep(20);
    expect(events).toHaveLength(17);
    subscription.unsubscribe();
  });

  it("with onSessionLimit 'reject', a login over the limit gets 409 and no session", async () => {
    const { server } = await start({ maxSessionsPerUser: 2, onSessionLimit: 'reject' });
    const first = await login(server, 'erin');
    await login(server, 'erin');
    const refused = await request(server).post('/device-login').send({ userId: 'erin' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/2 device/);
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect(await liveRecords(redis.inspector)).toHaveLength(2);
    // Signing in again from a device that is already signed in replaces it: not refused.
    const again = await request(server).post('/device-login').set('Cookie', first).send({ userId: 'erin' });
    expect(again.status).toBe(201);
    // Concurrent logins never exceed the limit either.
    await Promise.all(Array.from({ length: 10 }, () => request(server).post('/device-login').send({ userId: 'erin' })));
    expect(await liveRecords(redis.inspector)).toHaveLength(2);
  });

  it('S40: 1,000 sessions of one user that all expire leave an index with zero members after the next access', async () => {
    const { app, server } = await start({ idleTimeout: 1_000, touchAfter: 0 });
    const batch = 100;
    for (let i = 0; i < 1_000; i += batch) {
      await Promise.all(
        Array.from({ length: batch }, () => request(server).post('/device-login').send({ userId: 'frank' })),
      );
    }
    expect(await redis.inspector.zcard(indexKeyOf('frank'))).toBe(1_000);
    await sleep(1_200);
    // The next access of the index (a count) prunes every member whose record is gone or expired.
    await expect(app.get(SessionRepository).countForUser('frank')).resolves.toBe(0);
    expect(await redis.inspector.zcard(indexKeyOf('frank'))).toBe(0);
    expect(await redis.inspector.exists(indexKeyOf('frank'))).toBe(0);
  });

  it('the index key always has a TTL no shorter than its longest-lived member', async () => {
    const { server } = await start({ absoluteTimeout: 60_000 });
    await login(server, 'gina');
    const ttl = await redis.inspector.pttl(indexKeyOf('gina'));
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // More sign-ins, so a record whose expiry lands a millisecond past its deadline (a relative PEXPIRE
    // counted from a later clock tick than the script's TIME) has many chances to show up.
    for (let i = 0; i < 30; i += 1) await login(server, 'gina');
    // Absolute expiry times (PEXPIRETIME), so the comparison does not depend on when each was read.
    const indexEnds = Number(await redis.inspector.call('PEXPIRETIME', indexKeyOf('gina')));
    const records = await redis.inspector.keys('sess:{*');
    expect(records).toHaveLength(31);
    for (const record of records) {
      const recordEnds = Number(await redis.inspector.call('PEXPIRETIME', record));
      const deadline = Number(await redis.inspector.hget(record, '#d'));
      expect(recordEnds).toBeLessThanOrEqual(deadline);
      expect(indexEnds).toBeGreaterThanOrEqual(recordEnds);
    }
  });

  it('listing costs the same number of Redis commands with 100,000 other sessions in Redis', async () => {
    const { server } = await start();
    const cookies = [await login(server, 'hana'), await login(server, 'hana')];
    const recorder = await CommandRecorder.start(redis.server.client());
    try {
      await recorder.reset();
      await request(server).get('/devices').set('Cookie', cookies[0]!).expect(200);
      const alone = (await recorder.take()).map((c) => c.name).sort();
      // 100,000 other sessions, written straight into Redis.
      for (let i = 0; i < 100_000; i += 10_000) {
        const pipeline = redis.inspector.pipeline();
        for (let j = i; j < i + 10_000; j++)
          pipeline.hset(`sess:{other-${j}}`, '#c', '1', '#s', '1', '#d', '9999999999999');
        await pipeline.exec();
      }
      expect(await redis.inspector.dbsize()).toBeGreaterThan(100_000);
      await recorder.reset();
      await request(server).get('/devices').set('Cookie', cookies[0]!).expect(200);
      const crowded = (await recorder.take()).map((c) => c.name).sort();
      expect(crowded).toEqual(alone);
      expect(crowded).not.toContain('scan');
      expect(crowded).not.toContain('keys');
    } finally {
      recorder.stop();
    }
  });

  it('a signed-in read is one round trip; a refresh of its idle timer (every touchAfter) adds one, which also asks the index', async () => {
    const names = async (server: Server, cookie: string, recorder: CommandRecorder): Promise<string[]> => {
      await recorder.reset();
      await request(server).get('/private').set('Cookie', cookie).expect(200);
      return (await recorder.take()).map((c) => c.name);
    };
    const recorder = await CommandRecorder.start(redis.server.client());
    try {
      const everyRequest = await start({ touchAfter: 0 });
      const touched = await login(everyRequest.server, 'kim');
      expect((await names(everyRequest.server, touched, recorder)).sort()).toEqual(['evalsha', 'hgetall', 'zscore']);
      const rarely = await start({ touchAfter: 60_000 });
      const untouched = await login(rarely.server, 'lee');
      expect(await names(rarely.server, untouched, recorder)).toEqual(['hgetall']);
    } finally {
      recorder.stop();
    }
  });

  it('fails closed: a signed-in session missing from its index is refused at its next touch', async () => {
    const { server } = await start({ touchAfter: 0 });
    const cookie = await login(server, 'ivan');
    await request(server).get('/private').set('Cookie', cookie).expect(200);
    await redis.inspector.del(indexKeyOf('ivan'));
    await request(server).get('/private').set('Cookie', cookie).expect(401);
    expect(await redis.inspector.keys('sess:{*')).toEqual([]);
  });

  it("judges liveness by the Redis server's clock: an app server whose clock runs two hours ahead lists, counts and keeps its users' sessions", async () => {
    // The app's clock is off, Redis's is right. Reads already judge deadlines by the server's clock; a
    // device list judged by the app's would see every session past its idle and absolute deadlines, list
    // none of them and prune them from the index, which then signs them out (the index check fails closed).
    const realNow = Date.now.bind(Date);
    const ahead = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 2 * 3_600_000);
    try {
      const { server } = await start({
        idleTimeout: 30 * 60_000,
        absoluteTimeout: 60 * 60_000,
        cookie: { maxAge: 24 * 3_600_000 },
      });
      const first = await request(server)
        .post('/device-login')
        .set('User-Agent', 'Firefox on laptop')
        .send({ userId: 'ada' });
      expect(first.status).toBe(201);
      // The persistent cookie lasts until the absolute deadline, counted on Redis's clock: about an hour.
      const maxAge = Number(/Max-Age=(-?\d+)/.exec(String(first.headers['set-cookie']))?.[1]);
      expect(maxAge).toBeGreaterThan(3_500);
      expect(maxAge).toBeLessThanOrEqual(3_600);
      const laptop = cookieFrom(first);
      const phone = await login(server, 'ada', 'Safari on phone');
      const list = await request(server).get('/devices').set('Cookie', phone).expect(200);
      expect((list.body as Array<{ userAgent: string }>).map((s) => s.userAgent).sort()).toEqual([
        'Firefox on laptop',
        'Safari on phone',
      ]);
      await request(server).get('/devices/count').set('Cookie', laptop).expect(200, { count: 2 });
      expect(await redis.inspector.zcard(indexKeyOf('ada'))).toBe(2);
      await request(server).get('/devices/count').set('Cookie', laptop).expect(200, { count: 2 });
    } finally {
      ahead.mockRestore();
    }
  });

  describe('events', () => {
    it('emits each event type when it should, never with a raw ID', async () => {
      const { app, server } = await start({ maxSessionsPerUser: 1, idleTimeout: 1_000, touchAfter: 0 });
      const events: SessionEvent[] = [];
      const subscription = app.get(SessionEvents).events$.subscribe((event) => events.push(event));
      const seen = async (): Promise<string[]> => {
        await sleep(20);
        return events.splice(0).map((e) => `${e.type}:${e.reason ?? ''}`);
      };

      const anonymous = cookieFrom(await request(server).post('/set/a').send({ value: 1 }).expect(201));
      expect(await seen()).toEqual(['created:']);
      const signedIn = cookieFrom(
        await request(server).post('/login').set('Cookie', anonymous).send({ userId: 'judy' }),
      );
      expect(await seen()).toEqual(['authenticated:']);
      const regenerated = cookieFrom(await request(server).post('/regenerate').set('Cookie', signedIn).expect(201));
      expect(await seen()).toEqual(['regenerated:']);
      const other = cookieFrom(await request(server).post('/login').send({ userId: 'judy' }).expect(201));
      expect(await seen()).toEqual(['evicted:session-limit', 'authenticated:']);
      await request(server).post('/logout').set('Cookie', other).expect(201);
      expect(await seen()).toEqual(['destroyed:logout']);

      await request(server)
        .get('/private')
        .set('Cookie', `sid=${'A'.repeat(43)}.${'B'.repeat(43)}`)
        .expect(401);
      await request(server).get('/private').set('Cookie', 'sid=junk').expect(401);
      await request(server).get('/private').set('Cookie', regenerated).expect(401);
      expect(await seen()).toEqual(['rejected:bad-signature', 'rejected:malformed-cookie', 'rejected:unknown']);

      const revokedCookie = cookieFrom(await request(server).post('/login').send({ userId: 'ken' }).expect(201));
      await seen();
      await app.get(SessionRepository).revoke('ken', publicIdOfCookie(revokedCookie));
      expect(await seen()).toEqual(['revoked:revoke']);

      const idle = cookieFrom(await request(server).post('/login').send({ userId: 'leo' }).expect(201));
      await seen();
      await sleep(1_100);
      await request(server).get('/private').set('Cookie', idle).expect(401);
      expect(await seen()).toEqual(['expired:idle']);

      const all = JSON.stringify(events);
      for (const cookie of [anonymous, signedIn, regenerated, other, revokedCookie, idle]) {
        expect(all).not.toContain(valueOf(cookie).split('.')[0]);
      }
      subscription.unsubscribe();
    });

    it('a throwing subscriber cannot break a request: the library catches the error, RxJS never sees it', async () => {
      const { app, server } = await start();
      const reported: unknown[] = [];
      const previous = rxjsConfig.onUnhandledError;
      rxjsConfig.onUnhandledError = (error) => reported.push(error);
      const subscription = app.get(SessionEvents).events$.subscribe(() => {
        throw new Error('subscriber bug');
      });
      try {
        const cookie = cookieFrom(await request(server).post('/login').send({ userId: 'mia' }).expect(201));
        await request(server).get('/private').set('Cookie', cookie).expect(200);
        await sleep(30);
        expect(reported).toEqual([]);
      } finally {
        subscription.unsubscribe();
        rxjsConfig.onUnhandledError = previous;
      }
    });
  });
});
