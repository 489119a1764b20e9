import request from 'supertest';
import { cookieFrom, setCookieFor } from './support/cookies.js';
import { useRedisServer } from './support/redis-fixture.js';
import { ADAPTERS, createSessionApp } from './support/test-app.js';
import { timed, waitFor } from './support/timing.js';

type Server = Parameters<typeof request>[0];

const COMMAND_TIMEOUT = 300;
/** Generous: the point is "bounded, not hung", on a noisy 2-core machine. */
const BOUND = COMMAND_TIMEOUT + 1_500;

describe.each(ADAPTERS)('store failures on %s', (adapter) => {
  // Append-only with fsync on every write, so a stop and start keeps the sessions.
  const redis = useRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always'], flushBeforeEach: false });
  let server: Server;
  let cookie: string;

  beforeAll(async () => {
    const app = redis.closeBeforeStop(
      await createSessionApp(adapter, { redis: redis.url, commandTimeout: COMMAND_TIMEOUT }),
    );
    server = app.getHttpServer() as Server;
  });

  /** Waits until the app serves the session again: the store is back after a fault. */
  async function servedAgain(): Promise<void> {
    await waitFor(
      'the session to be served again',
      async () => (await request(server).get('/private').set('Cookie', cookie)).status === 200,
    );
  }

  beforeEach(async () => {
    cookie = cookieFrom(await request(server).post('/login').send({ userId: 'u-failure' }).expect(201));
  });

  it('S30: Redis stopped → 503 at once on session routes, no cookie change, other routes fine; same cookie works after restart', async () => {
    await redis.server.stop();
    try {
      const guarded = await timed(() => request(server).get('/private').set('Cookie', cookie));
      expect(guarded.result.status).toBe(503);
      expect(guarded.ms).toBeLessThan(BOUND);
      expect(setCookieFor(guarded.result)).toBeUndefined();

      const write = await request(server).post('/set/k').set('Cookie', cookie).send({ value: 1 });
      expect(write.status).toBe(503);
      expect(setCookieFor(write)).toBeUndefined();

      const login = await request(server).post('/login').send({ userId: 'nobody' });
      expect(login.status).toBe(503);
      expect(setCookieFor(login)).toBeUndefined();

      await request(server).get('/anonymous').expect(200);
    } finally {
      await redis.server.restart();
    }
    await servedAgain();
    const me = await request(server).get('/private').set('Cookie', cookie).expect(200);
    expect(me.body.userId).toBe('u-failure');
  });

  it('S30: Redis paused (SIGSTOP) → 503 within commandTimeout, never a hang; resumes with the same cookie', async () => {
    process.kill(redis.server.pid, 'SIGSTOP');
    try {
      const requests = await Promise.all(
        Array.from({ length: 5 }, () => timed(() => request(server).get('/private').set('Cookie', cookie))),
      );
      for (const { result, ms } of requests) {
        expect(result.status).toBe(503);
        expect(ms).toBeLessThan(BOUND);
        expect(setCookieFor(result)).toBeUndefined();
      }
      await request(server).get('/anonymous').expect(200);
    } finally {
      process.kill(redis.server.pid, 'SIGCONT');
    }
    await servedAgain();
  });

  it('a 503 body says the store is unavailable and never contains the session ID', async () => {
    await redis.server.stop();
    try {
      const response = await request(server).get('/private').set('Cookie', cookie).expect(503);
      expect(response.body.message).toMatch(/unavailable/i);
      expect(JSON.stringify(response.body)).not.toContain(cookie.split('=')[1]!.split('.')[0]!);
    } finally {
      await redis.server.restart();
    }
    await servedAgain();
  });
});
