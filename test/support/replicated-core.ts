import type { INestApplication } from '@nestjs/common';
import type { RedisConnection } from 'nest-redis-session';
import request from 'supertest';
import { cookieFrom, setCookieFor, valueOf } from './cookies.js';
import { FixtureController } from './fixture.controller.js';
import { gate, GateController } from './gate.controller.js';
import { startReplicatedApp } from './replicated-app.js';
import { publicIdForTests } from './signer.js';
import { ADAPTERS } from './test-app.js';

type Server = Parameters<typeof request>[0];

/** What the core suite needs from a deployment: how an app connects, and a look at the keys. */
export interface Deployment {
  /** The `redis` option of an app on this deployment. */
  connection(): RedisConnection;
  /** Every key of the deployment (by SCAN on each primary). */
  keys(): Promise<string[]>;
  /** `PTTL` of a key. */
  pttl(key: string): Promise<number>;
  /** `HGET` of a key's field. */
  hget(key: string, field: string): Promise<string | null>;
  /** Empties the deployment. */
  flush(): Promise<void>;
}

/** A session record's key: the prefix and 128 bits of a SHA-256 (base64url) as the hash tag (S35). */
export const SESSION_KEY = /^sess:\{[A-Za-z0-9_-]{22}\}$/;
/** A user index's key. */
export const USER_INDEX_KEY = /^sess:u:\{[A-Za-z0-9_-]{22}\}$/;

/** The public ID of the session a `sid=…` cookie carries: 128 bits of the SHA-256 of the raw ID. */
export function publicIdOfCookie(cookie: string): string {
  return publicIdForTests(valueOf(cookie).split('.')[0]!);
}

/** The Redis key of the session a cookie carries. */
export function sessionKeyOfCookie(cookie: string): string {
  return `sess:{${publicIdOfCookie(cookie)}}`;
}

/**
 * The session behaviours every deployment must keep, run on both adapters: sign-in, data, logout,
 * regenerate, concurrent changes to different keys, no resurrection after logout (S23), key names and
 * TTLs (S21, S35). The same tests run on a single node elsewhere; here they run on a cluster or a
 * Sentinel group, where a script that touched two slots or a key-less multi-key command would fail.
 */
export function describeSessionCore(title: string, deployment: () => Deployment): void {
  describe.each(ADAPTERS)(`${title}: session core on %s`, (adapter) => {
    let app: INestApplication;
    let server: Server;

    beforeAll(async () => {
      ({ app, server } = await startReplicatedApp(adapter, deployment().connection(), {
        controllers: [FixtureController, GateController],
      }));
    });

    afterAll(async () => {
      await app?.close();
    });

    beforeEach(async () => {
      await deployment().flush();
    });

    const sessionKeys = async (): Promise<string[]> =>
      (await deployment().keys()).filter((key) => SESSION_KEY.test(key));

    /**
     * The old ID of a rotated session holds neither data nor a sign-in: its record is deleted, or is at
     * most a short-lived forwarding marker (`rotationGracePeriod`).
     */
    const expectNoRecordAt = async (key: string, dataField: string): Promise<void> => {
      expect(await deployment().hget(key, dataField)).toBeNull();
      expect(await deployment().hget(key, '#u')).toBeNull();
    };

    it('signs in: 401 before, 200 after, under a new ID; the pre-login ID is gone (S17)', async () => {
      const anonymous = cookieFrom(
        await request(server)
          .post('/set/cart')
          .send({ value: ['apple'] })
          .expect(201),
      );
      await request(server).get('/private').set('Cookie', anonymous).expect(401);
      const signedIn = cookieFrom(
        await request(server).post('/login').set('Cookie', anonymous).send({ userId: 'alice' }).expect(201),
      );
      expect(signedIn).not.toEqual(anonymous);
      const me = await request(server).get('/private').set('Cookie', signedIn).expect(200);
      expect(me.body).toEqual({ userId: 'alice', data: { cart: ['apple'] } });
      await request(server).get('/private').set('Cookie', anonymous).expect(401);
      expect(await sessionKeys()).toContain(sessionKeyOfCookie(signedIn));
      await expectNoRecordAt(sessionKeyOfCookie(anonymous), 'cart');
    });

    it('writes data and reads it back', async () => {
      const cookie = cookieFrom(await request(server).post('/set/theme').send({ value: 'dark' }).expect(201));
      await request(server)
        .post('/set/profile')
        .set('Cookie', cookie)
        .send({ value: { name: 'Bob', tags: [1, 2] } })
        .expect(201);
      const read = await request(server).get('/session').set('Cookie', cookie).expect(200);
      expect(read.body.data).toEqual({ theme: 'dark', profile: { name: 'Bob', tags: [1, 2] } });
      await request(server).delete('/key/theme').set('Cookie', cookie).expect(200);
      expect((await request(server).get('/key/theme').set('Cookie', cookie).expect(200)).body).toEqual({
        value: null,
      });
    });

    it('logs out: the record is deleted, the cookie cleared, and the old cookie gets 401 (S18)', async () => {
      const cookie = cookieFrom(await request(server).post('/login').send({ userId: 'bob' }).expect(201));
      await request(server).get('/private').set('Cookie', cookie).expect(200);
      const logout = await request(server).post('/logout').set('Cookie', cookie).expect(201);
      expect(setCookieFor(logout)).toMatch(/^sid=; Path=\/; Max-Age=0;/);
      expect(await sessionKeys()).toEqual([]);
      await request(server).get('/private').set('Cookie', cookie).expect(401);
    });

    it('regenerates: a new ID, the data and the sign-in kept, the old ID gone', async () => {
      const cookie = cookieFrom(await request(server).post('/login').send({ userId: 'carol' }).expect(201));
      await request(server).post('/set/k').set('Cookie', cookie).send({ value: 'v' }).expect(201);
      const regenerated = await request(server).post('/regenerate').set('Cookie', cookie).expect(201);
      const next = cookieFrom(regenerated);
      expect(regenerated.body.publicId).toBe(publicIdOfCookie(next));
      expect(next).not.toEqual(cookie);
      const me = await request(server).get('/private').set('Cookie', next).expect(200);
      expect(me.body).toEqual({ userId: 'carol', data: { k: 'v' } });
      expect(await sessionKeys()).toContain(sessionKeyOfCookie(next));
      await expectNoRecordAt(sessionKeyOfCookie(cookie), 'k');
    });

    it('keeps both changes when two requests change different keys at once', async () => {
      const cookie = cookieFrom(await request(server).post('/set/seed').send({ value: 0 }).expect(201));
      await Promise.all([
        request(server).post('/set/left').set('Cookie', cookie).send({ value: 'L' }).expect(201),
        request(server).post('/set/right').set('Cookie', cookie).send({ value: 'R' }).expect(201),
      ]);
      const read = await request(server).get('/session').set('Cookie', cookie).expect(200);
      expect(read.body.data).toEqual({ seed: 0, left: 'L', right: 'R' });
    });

    it('S23: a request that loaded the session before a logout does not bring it back', async () => {
      const cookie = cookieFrom(await request(server).post('/login').send({ userId: 'dave' }).expect(201));
      gate.close();
      const slow = request(server)
        .post('/gated/set/late')
        .set('Cookie', cookie)
        .then((response) => response);
      await gate.arrived;
      await request(server).post('/logout').set('Cookie', cookie).expect(201);
      gate.open();
      expect((await slow).status).toBeLessThan(500);
      expect(await sessionKeys()).toEqual([]);
      await request(server).get('/private').set('Cookie', cookie).expect(401);
    });

    it('S21, S35: every key is a hashed session key or a user index, and every key has a TTL', async () => {
      const cookie = cookieFrom(await request(server).post('/login').send({ userId: 'erin' }).expect(201));
      await request(server).post('/set/a').set('Cookie', cookie).send({ value: 1 }).expect(201);
      await request(server).post('/set/b').send({ value: 2 }).expect(201);
      const keys = await deployment().keys();
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const key of keys) {
        expect(SESSION_KEY.test(key) || USER_INDEX_KEY.test(key)).toBe(true);
        expect(key).not.toContain(valueOf(cookie).split('.')[0]);
        expect(await deployment().pttl(key)).toBeGreaterThan(0);
      }
    });
  });
}
