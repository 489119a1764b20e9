import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { cookieFrom, setCookieFor } from './support/cookies.js';
import { useRedisServer } from './support/redis-fixture.js';
import { ADAPTERS, createSessionApp } from './support/test-app.js';

type Server = Parameters<typeof request>[0];

describe.each(ADAPTERS)('session expiry on %s', (adapter) => {
  const redis = useRedisServer();

  async function appWith(options: {
    idleTimeout: number;
    anonymousIdleTimeout?: number;
    absoluteTimeout: number;
    touchAfter: number;
    maxAge?: number;
  }) {
    const app = await createSessionApp(adapter, {
      redis: redis.url,
      idleTimeout: options.idleTimeout,
      anonymousIdleTimeout: options.anonymousIdleTimeout,
      absoluteTimeout: options.absoluteTimeout,
      touchAfter: options.touchAfter,
      cookie: options.maxAge === undefined ? undefined : { maxAge: options.maxAge },
    });
    return { app, server: app.getHttpServer() as Server };
  }

  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('anonymousIdleTimeout: an anonymous session idles out sooner than a signed-in one, and its key goes with it', async () => {
    const built = await appWith({
      idleTimeout: 30_000,
      anonymousIdleTimeout: 1_000,
      absoluteTimeout: 600_000,
      touchAfter: 3_000,
    });
    app = built.app;
    const anonymous = cookieFrom(
      await request(built.server)
        .post('/set/cart')
        .send({ value: [1] })
        .expect(201),
    );
    const signedIn = cookieFrom(await request(built.server).post('/login').send({ userId: 'stays' }).expect(201));
    // Redis drops an anonymous record a minute after its idle deadline at the latest, never 30 minutes on.
    const keys = await redis.inspector.keys('sess:{*');
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      const signed = (await redis.inspector.hexists(key, '#u')) === 1;
      const ttl = await redis.inspector.pttl(key);
      expect(ttl).toBeLessThanOrEqual(signed ? 30_000 + 60_000 : 1_000 + 60_000);
      expect(ttl).toBeGreaterThan(signed ? 1_000 + 60_000 : 0);
    }
    await sleep(1_300);
    const expired = await request(built.server).get('/session').set('Cookie', anonymous).expect(200);
    expect(expired.body).toMatchObject({ isNew: true, data: {}, rejection: 'expired' });
    await request(built.server).get('/private').set('Cookie', signedIn).expect(200);
  });

  it('S19: a session used within the idle timeout lives on; one idle past it is gone, key and all', async () => {
    // 2 s idle, a request every 0.8 s: 1.2 s of slack per step even on a loaded machine.
    const built = await appWith({ idleTimeout: 2_000, absoluteTimeout: 60_000, touchAfter: 0 });
    app = built.app;
    const cookie = cookieFrom(await request(built.server).post('/login').send({ userId: 'idle' }).expect(201));
    for (let i = 0; i < 3; i++) {
      await sleep(800);
      await request(built.server).get('/private').set('Cookie', cookie).expect(200);
    }
    await sleep(2_300);
    await request(built.server).get('/private').set('Cookie', cookie).expect(401);
    expect(await redis.inspector.keys('sess:{*')).toEqual([]);
  });

  it('session.rejection is "expired" for the cookie of a session that idled out', async () => {
    const built = await appWith({ idleTimeout: 1_000, absoluteTimeout: 60_000, touchAfter: 0 });
    app = built.app;
    const cookie = cookieFrom(await request(built.server).post('/login').send({ userId: 'gone' }).expect(201));
    expect((await request(built.server).get('/session').set('Cookie', cookie).expect(200)).body.rejection).toBeNull();
    // Past the idle timeout but within the key's grace, so the store itself judges the record expired.
    await sleep(1_300);
    const read = await request(built.server).get('/session').set('Cookie', cookie).expect(200);
    expect(read.body).toMatchObject({ isNew: true, isAuthenticated: false, rejection: 'expired' });
  });

  it('S20: activity never extends the absolute deadline, whatever the key TTL says', async () => {
    const built = await appWith({ idleTimeout: 5_000, absoluteTimeout: 1_500, touchAfter: 0 });
    app = built.app;
    const cookie = cookieFrom(await request(built.server).post('/login').send({ userId: 'abs' }).expect(201));
    const [key] = await redis.inspector.keys('sess:{*');
    expect(await redis.inspector.pttl(key!)).toBeLessThanOrEqual(1_500);
    await sleep(600);
    await request(built.server).get('/private').set('Cookie', cookie).expect(200);
    // Someone removes the TTL by hand: the record's own deadline still ends the session.
    await redis.inspector.persist(key!);
    await sleep(1_100);
    await request(built.server).get('/private').set('Cookie', cookie).expect(401);
    expect(await redis.inspector.exists(key!)).toBe(0);
  });

  it('S21: every key the module writes carries a TTL no later than the absolute deadline', async () => {
    const built = await appWith({ idleTimeout: 60_000, absoluteTimeout: 30_000, touchAfter: 0 });
    app = built.app;
    const cookie = cookieFrom(await request(built.server).post('/set/a').send({ value: 1 }).expect(201));
    await request(built.server).post('/login').set('Cookie', cookie).send({ userId: 'ttl' }).expect(201);
    await request(built.server).post('/set/b').send({ value: 2 }).expect(201);
    const keys = await redis.inspector.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const ttl = await redis.inspector.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
    }
  });

  it('touches only after touchAfter: a read inside it costs no write', async () => {
    const built = await appWith({ idleTimeout: 60_000, absoluteTimeout: 600_000, touchAfter: 30_000 });
    app = built.app;
    const cookie = cookieFrom(await request(built.server).post('/login').send({ userId: 'touch' }).expect(201));
    const [key] = await redis.inspector.keys('sess:{*');
    const seen = await redis.inspector.hget(key!, '#s');
    await sleep(20);
    await request(built.server).get('/private').set('Cookie', cookie).expect(200);
    expect(await redis.inspector.hget(key!, '#s')).toBe(seen);
  });

  it('S13: a persistent cookie never outlives the absolute deadline, and is not re-sent on activity', async () => {
    const built = await appWith({ idleTimeout: 60_000, absoluteTimeout: 120_000, touchAfter: 0, maxAge: 3_600_000 });
    app = built.app;
    const login = await request(built.server).post('/login').send({ userId: 'persist' }).expect(201);
    const header = setCookieFor(login)!;
    const maxAge = Number(/Max-Age=(\d+)/.exec(header)![1]);
    expect(maxAge).toBeLessThanOrEqual(120);
    expect(maxAge).toBeGreaterThan(100);
    // Re-sending the cookie on a touch could race a login elsewhere and put the old ID back.
    const touched = await request(built.server).get('/private').set('Cookie', cookieFrom(login)).expect(200);
    expect(setCookieFor(touched)).toBeUndefined();
  });
});
