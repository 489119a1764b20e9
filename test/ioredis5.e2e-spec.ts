import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { cookieFrom } from './support/cookies.js';
import { useRedisServer } from './support/redis-fixture.js';

/*
 * ioredis is a peer dependency ("^5.9.0 || ^6.0.0"): in an app on ioredis 5, the library's own
 * `import ... from 'ioredis'` finds ioredis 5. This file reproduces that: every import of 'ioredis' made
 * after the line below gets the real ioredis 5.9.0 package (installed as the npm alias `ioredis5`), and
 * the library is imported after it. Sessions then run against a real redis-server, through a client the
 * app passes as `redis:` and through one the module creates from a URL.
 */
jest.unstable_mockModule('ioredis', () => import('ioredis5'));

const { Redis } = await import('ioredis');
const { Redis: Redis5 } = await import('ioredis5');
const { REDIS_SESSION_CLIENT, SessionRepository } = await import('nest-redis-session');
const { ADAPTERS, createSessionApp } = await import('./support/test-app.js');

type RedisConnection = import('nest-redis-session').RedisConnection;
type HttpServer = Parameters<typeof request>[0];

describe('ioredis 5 (the oldest version of the peer dependency)', () => {
  const redis = useRedisServer({ flushBeforeEach: false });

  it('is what the library imports in this file', () => {
    expect(Redis).toBe(Redis5);
  });

  describe.each(ADAPTERS)('on %s', (adapter) => {
    /** Sets data, signs in, reads a guarded route, lists the device and signs out: a session's life. */
    async function aSessionsLife(app: INestApplication): Promise<void> {
      const server = app.getHttpServer() as HttpServer;
      const cookie = cookieFrom(await request(server).post('/set/theme').send({ value: 'dark' }).expect(201));
      const login = await request(server).post('/login').set('Cookie', cookie).send({ userId: 'u-5' }).expect(201);
      const signedIn = cookieFrom(login);
      expect(signedIn).not.toBe(cookie);
      const read = await request(server).get('/private').set('Cookie', signedIn).expect(200);
      expect(read.body).toEqual({ userId: 'u-5', data: { theme: 'dark' } });
      const devices = await app.get(SessionRepository).listForUser('u-5');
      expect(devices.map((device) => device.publicId)).toEqual([(login.body as { publicId: string }).publicId]);
      await request(server).post('/logout').set('Cookie', signedIn).expect(201);
      await request(server).get('/private').set('Cookie', signedIn).expect(401);
    }

    it("runs sessions through the app's own ioredis 5 client, and leaves it open", async () => {
      const client = new Redis5(redis.port, '127.0.0.1');
      // The app's client, typed by the app's ioredis 5. This repository type-checks against ioredis 6,
      // hence the cast; in an app, `RedisConnection` is built from the same ioredis as the client.
      const connection = client as unknown as RedisConnection;
      const app = await createSessionApp(adapter, { redis: connection });
      try {
        expect(app.get(REDIS_SESSION_CLIENT)).toBe(client);
        await aSessionsLife(app);
      } finally {
        await app.close();
      }
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    });

    it('runs sessions through the client it creates from a URL, with ioredis 5', async () => {
      const app = await createSessionApp(adapter, { redis: redis.url });
      try {
        expect(app.get(REDIS_SESSION_CLIENT)).toBeInstanceOf(Redis5);
        await aSessionsLife(app);
      } finally {
        await app.close();
      }
    });
  });
});
