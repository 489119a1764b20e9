import type { INestApplication } from '@nestjs/common';
import { type RedisSessionModuleOptions } from 'nest-redis-session';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { cookieFrom, setCookieFor } from './support/cookies.js';
import { useRedisServer } from './support/redis-fixture.js';
import { ADAPTERS, createSessionApp } from './support/test-app.js';

type Server = Parameters<typeof request>[0];

describe.each(ADAPTERS)('ID rotation grace period on %s', (adapter) => {
  const redis = useRedisServer();
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(options: Partial<RedisSessionModuleOptions> = {}): Promise<Server> {
    app = await createSessionApp(adapter, { redis: redis.url, ...options });
    return app.getHttpServer() as Server;
  }

  it('a request still carrying the pre-login cookie gets an empty session, stores nothing and never touches the cookie', async () => {
    const server = await start({ rotationGracePeriod: 2_000 });
    const anonymous = cookieFrom(
      await request(server)
        .post('/set/cart')
        .send({ value: ['tea'] })
        .expect(201),
    );
    const signedIn = cookieFrom(
      await request(server).post('/login').set('Cookie', anonymous).send({ userId: 'u1' }).expect(201),
    );

    // S17 holds during the grace period: the old ID never carries the login, nor its data.
    await request(server).get('/private').set('Cookie', anonymous).expect(401);
    const late = await request(server)
      .post('/set/late')
      .set('Cookie', anonymous)
      .send({ value: 'in flight' })
      .expect(201);
    expect(setCookieFor(late)).toBeUndefined();
    const seen = await request(server).get('/session').set('Cookie', anonymous).expect(200);
    expect(seen.body).toMatchObject({ isNew: true, isAuthenticated: false, data: {}, rejection: 'rotated' });
    expect(setCookieFor(seen)).toBeUndefined();

    const me = await request(server).get('/private').set('Cookie', signedIn).expect(200);
    expect(me.body).toEqual({ userId: 'u1', data: { cart: ['tea'] } });
  });

  it('after regenerate(), the old cookie keeps the same login for the grace period, then means nothing', async () => {
    const server = await start({ rotationGracePeriod: 1_000 });
    const before = cookieFrom(await request(server).post('/login').send({ userId: 'u2' }).expect(201));
    const after = cookieFrom(await request(server).post('/regenerate').set('Cookie', before).expect(201));
    const forwarded = await request(server).get('/private').set('Cookie', before).expect(200);
    expect(forwarded.body.userId).toBe('u2');
    expect(setCookieFor(forwarded)).toBeUndefined();
    await sleep(1_200);
    await request(server).get('/private').set('Cookie', before).expect(401);
    await request(server).get('/private').set('Cookie', after).expect(200);
  });

  it('parallel requests with the old cookie during login never clobber the new cookie; the login keeps what was stored before it', async () => {
    const server = await start();
    for (let round = 0; round < 5; round++) {
      await redis.inspector.flushall();
      const anonymous = cookieFrom(await request(server).post('/set/seed').send({ value: round }).expect(201));
      const [login, ...writes] = await Promise.all([
        request(server)
          .post('/login')
          .set('Cookie', anonymous)
          .send({ userId: `racer-${round}` }),
        ...Array.from({ length: 8 }, (_, i) =>
          request(server).post(`/set/k${i}`).set('Cookie', anonymous).send({ value: i }),
        ),
      ]);
      expect(login.status).toBe(201);
      const signedIn = cookieFrom(login);
      for (const write of writes) {
        expect(write.status).toBe(201);
        // No in-flight request may send a cookie that would replace the new one in the browser.
        expect(setCookieFor(write)).toBeUndefined();
      }
      const me = await request(server).get('/private').set('Cookie', signedIn).expect(200);
      expect(me.body.userId).toBe(`racer-${round}`);
      // Writes stored before the login moved the session are in it; later ones stayed out of the login.
      const keys = Object.keys(me.body.data as object);
      expect(keys).toContain('seed');
      for (const key of keys) expect(['seed', 'k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']).toContain(key);
    }
  });

  it('a logout from a request with the pre-login cookie gets 409 and does not end the new login', async () => {
    const server = await start();
    const anonymous = cookieFrom(await request(server).post('/set/a').send({ value: 1 }).expect(201));
    const signedIn = cookieFrom(
      await request(server).post('/login').set('Cookie', anonymous).send({ userId: 'u3' }).expect(201),
    );
    const stray = await request(server).post('/logout').set('Cookie', anonymous).expect(409);
    expect(setCookieFor(stray)).toBeUndefined();
    await request(server).get('/private').set('Cookie', signedIn).expect(200);
  });

  it('a login from a request with a planted pre-login ID gets 409 and leaves the new login alone', async () => {
    const server = await start();
    const planted = cookieFrom(await request(server).post('/set/planted').send({ value: 'x' }).expect(201));
    const victim = cookieFrom(
      await request(server).post('/login').set('Cookie', planted).send({ userId: 'victim' }).expect(201),
    );
    await request(server).post('/set/secret').set('Cookie', victim).send({ value: 'victim data' }).expect(201);
    // Within the grace period, the holder of the old (planted) ID signs in as someone else.
    const attacker = await request(server).post('/login').set('Cookie', planted).send({ userId: 'attacker' });
    expect(attacker.status).toBe(409);
    expect(setCookieFor(attacker)).toBeUndefined();
    const mine = await request(server).get('/private').set('Cookie', victim).expect(200);
    expect(mine.body).toEqual({ userId: 'victim', data: { planted: 'x', secret: 'victim data' } });
  });

  it('rotationGracePeriod: 0 forwards nothing: the old ID gets an empty session that never sets a cookie', async () => {
    const server = await start({ rotationGracePeriod: 0 });
    const before = cookieFrom(await request(server).post('/login').send({ userId: 'u4' }).expect(201));
    const after = cookieFrom(await request(server).post('/regenerate').set('Cookie', before).expect(201));
    const read = await request(server).get('/session').set('Cookie', before).expect(200);
    expect(read.body).toMatchObject({ isNew: true, data: {}, rejection: 'rotated' });
    const write = await request(server).post('/set/late').set('Cookie', before).send({ value: 1 }).expect(201);
    expect(setCookieFor(write)).toBeUndefined();
    await request(server).get('/private').set('Cookie', before).expect(401);
    // The old ID still reads as moved for a while, so a logout racing the regenerate cannot claim success.
    await request(server).post('/logout').set('Cookie', before).expect(409);
    const mine = await request(server).get('/private').set('Cookie', after).expect(200);
    expect(mine.body).toEqual({ userId: 'u4', data: {} });
  });

  it('the tombstone holds no data or login, forwards for the grace period and expires soon after (S21)', async () => {
    const server = await start({ rotationGracePeriod: 3_000 });
    const anonymous = cookieFrom(await request(server).post('/set/secret').send({ value: 'data' }).expect(201));
    await request(server).post('/login').set('Cookie', anonymous).send({ userId: 'u5' }).expect(201);
    const keys = await redis.inspector.keys('sess:{*');
    const tombstones = [];
    for (const key of keys) if ((await redis.inspector.hexists(key, '#f')) === 1) tombstones.push(key);
    expect(tombstones).toHaveLength(1);
    expect(Object.keys(await redis.inspector.hgetall(tombstones[0]!)).sort()).toEqual(['#f', '#g', '#n', '#o']);
    // Forwarding ends with the grace period; the key stands ten command timeouts (10 s by default), so a
    // logout or revoke racing the rotation sees the session moved.
    expect(Number(await redis.inspector.hget(tombstones[0]!, '#g'))).toBeLessThanOrEqual(Date.now() + 3_000);
    const ttl = await redis.inspector.pttl(tombstones[0]!);
    expect(ttl).toBeGreaterThan(3_000);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });
});
