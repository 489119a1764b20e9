/**
 * The store's clock before its first measurement. Everything that compares with a stored time uses the
 * Redis server's clock as the process estimates it; until the first measurement the estimate is the app's
 * own clock. Startup's measurement (`warmUp`) can fail (Redis blips between the startup checks and it) and
 * the app still starts: the next use of the clock must measure it, and a write whose times the process
 * compares with its estimate (a new cookie's Max-Age, a device list) waits for that measurement rather
 * than judge by an app clock that may be hours off. Both adapters, real redis-server, the app's clock one
 * or two hours ahead of Redis's.
 */
import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { RedisSessionModuleOptions } from 'nest-redis-session';
import request from 'supertest';
import { cookieFrom } from './support/cookies.js';
import { DeviceLoginController, DevicesController } from './support/devices.controller.js';
import { FixtureController } from './support/fixture.controller.js';
import { useRedisServer } from './support/redis-fixture.js';
import { ADAPTERS, createSessionApp, type AdapterName } from './support/test-app.js';

type Server = Parameters<typeof request>[0];

describe.each(ADAPTERS)('the store clock before its first measurement on %s', (adapter: AdapterName) => {
  const redis = useRedisServer();
  const apps: INestApplication[] = [];
  const realNow = Date.now.bind(Date);

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await redis.inspector.flushall();
  });

  /** Starts the app with its clock `aheadMs` ahead of Redis's, start-up's TIME failing once. */
  async function start(aheadMs: number, options: Partial<RedisSessionModuleOptions>): Promise<Server> {
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + aheadMs);
    jest.spyOn(Redis.prototype, 'time').mockRejectedValueOnce(new Error('Connection is closed.'));
    const app = await createSessionApp(
      adapter,
      { redis: redis.url, ...options },
      { controllers: [FixtureController, DevicesController, DeviceLoginController] },
    );
    apps.push(app);
    return app.getHttpServer() as Server;
  }

  it("a persistent cookie's Max-Age is counted on Redis's clock, not on the app's (no Max-Age=0 login)", async () => {
    const server = await start(2 * 3_600_000, { absoluteTimeout: 3_600_000, cookie: { maxAge: 24 * 3_600_000 } });
    const login = await request(server).post('/device-login').send({ userId: 'ada' });
    expect(login.status).toBe(201);
    const maxAge = Number(/Max-Age=(-?\d+)/.exec(String(login.headers['set-cookie']))?.[1]);
    // About an hour to the absolute deadline by Redis's clock; the app's clock says it passed an hour ago.
    expect(maxAge).toBeGreaterThan(3_500);
  });

  it("a second login of a user does not prune the first one's live session (which then signs it out)", async () => {
    const server = await start(3_600_000, {
      idleTimeout: 30 * 60_000,
      absoluteTimeout: 24 * 3_600_000,
      maxSessionsPerUser: 5,
      touchAfter: 0,
    });
    const laptop = cookieFrom(await request(server).post('/device-login').send({ userId: 'ada' }).expect(201));
    const phone = cookieFrom(await request(server).post('/device-login').send({ userId: 'ada' }).expect(201));
    expect((await request(server).get('/private').set('Cookie', laptop)).status).toBe(200);
    await request(server).get('/devices/count').set('Cookie', phone).expect(200, { count: 2 });
  });
});
