import type { INestApplication } from '@nestjs/common';
import { SessionStoreError } from 'nest-redis-session';
import { sessionCookieOf, setCookies } from './support/cookies.js';
import { FixtureController } from './support/fixture.controller.js';
import { RotationController } from './support/rotation.controller.js';
import { useRedisServer } from './support/redis-fixture.js';
import { HttpClient, listen } from './support/robustness-http.js';
import { fillUp, unfill } from './support/robustness-redis.js';
import { ADAPTERS, createSessionApp, startupError, TEST_SECRET } from './support/test-app.js';

/**
 * Redis refusing a command the scripts read a session with (an ACL without it: NOPERM) is trouble with
 * Redis, not news about the session. The scripts used to swallow every error of those reads as "not a
 * session", so a refused read signed the user out (or made a logout succeed without deleting anything);
 * now only WRONGTYPE means "not a session", and everything else comes back as a 503 with the session kept.
 */
describe.each(ADAPTERS)('Redis refusing a command inside the scripts, on %s', (adapter) => {
  const redis = useRedisServer({ flushBeforeEach: false });
  /** Refreshes the idle timer on every read, so each read runs touch-session.lua. */
  let eager: { app: INestApplication; http: HttpClient };
  /** Refreshes it only after the default touchAfter: a read is a plain HGETALL, and a save runs alone. */
  let lazy: { app: INestApplication; http: HttpClient };
  const USER = 'sessions';
  const PASSWORD = 'refusals-password-0123';

  /** Allows the app's Redis user everything on its keys, then takes back the given commands. */
  async function permit(...denied: string[]): Promise<void> {
    await redis.inspector.call('ACL', 'SETUSER', USER, 'reset', 'on', `>${PASSWORD}`, '~*', '&*', '+@all', ...denied);
  }

  async function start(touchAfter?: number): Promise<{ app: INestApplication; http: HttpClient }> {
    const app = redis.closeBeforeStop(
      await createSessionApp(
        adapter,
        {
          redis: { host: '127.0.0.1', port: redis.port, username: USER, password: PASSWORD },
          touchAfter,
          commandTimeout: 500,
        },
        { controllers: [FixtureController, RotationController] },
      ),
    );
    return { app, http: redis.closeBeforeStop(new HttpClient(await listen(app))) };
  }

  beforeAll(async () => {
    await permit();
    eager = await start(0);
    lazy = await start();
  });

  afterEach(() => permit());

  async function signedIn(http: HttpClient, userId: string): Promise<string> {
    const cookie = sessionCookieOf(await http.post('/set/a', { json: { value: 1 } }));
    return sessionCookieOf(await http.post('/login', { cookie, json: { userId } }));
  }

  async function expectIntact(http: HttpClient, cookie: string, userId: string): Promise<void> {
    const reply = await http.get('/private', { cookie });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ userId, data: { a: 1 } });
  }

  it('a read whose idle-timer refresh is refused (no HMGET) is a 503, and the user is still signed in after', async () => {
    const { http } = eager;
    const cookie = await signedIn(http, 'reader');
    await permit('-hmget');
    const reply = await http.get('/private', { cookie });
    expect(reply.status).toBe(503);
    expect(setCookies(reply)).toEqual([]);
    await permit();
    await expectIntact(http, cookie, 'reader');
  });

  it('a refresh Redis refuses to write for any reason but memory (no HSET) is a 503, not a session served stale', async () => {
    const { http } = eager;
    const cookie = await signedIn(http, 'stale');
    await permit('-hset');
    expect((await http.get('/private', { cookie })).status).toBe(503);
    await permit();
    await expectIntact(http, cookie, 'stale');
  });

  it('a save whose read of the record is refused is a 503 and writes nothing', async () => {
    const { http } = lazy;
    const cookie = await signedIn(http, 'writer');
    // The read before the handler (a plain HGETALL, no refresh due) passes; the save's script is refused its HMGET.
    await permit('-hmget');
    const reply = await http.post('/set/b', { cookie, json: { value: 2 } });
    expect(reply.status).toBe(503);
    await permit();
    await expectIntact(http, cookie, 'writer');
  });

  it('a logout whose check for a rotation is refused (no HGET) is a 503 and the session is not ended', async () => {
    const { http } = lazy;
    const cookie = await signedIn(http, 'leaver');
    await permit('-hget');
    const reply = await http.post('/logout', { cookie });
    expect(reply.status).toBe(503);
    await permit();
    await expectIntact(http, cookie, 'leaver');
  });

  it('sign out everywhere still works while Redis is out of memory (it deletes; only its revocation mark is a write)', async () => {
    const { http } = lazy;
    const first = await signedIn(http, 'everywhere');
    const second = await signedIn(http, 'everywhere');
    try {
      await fillUp(redis.inspector);
      const reply = await http.post('/rot/revoke-all/everywhere');
      expect(reply.status).toBe(201);
    } finally {
      await unfill(redis.inspector);
    }
    for (const cookie of [first, second]) expect((await http.get('/private', { cookie })).status).toBe(401);
    expect((await http.get('/rot/devices/everywhere')).body).toEqual({ publicIds: [] });
  });

  it.each([
    ['listing devices', 'get', '/rot/devices/repo', '-zrangebyscore'],
    ['revoking one session', 'post', '/rot/revoke/repo/x', '-zrem'],
    ['signing out everywhere', 'post', '/rot/revoke-all/repo', '-evalsha'],
  ] as const)(
    'SessionRepository %s while Redis refuses is a 503 from the controller, not a 500',
    async (_, method, path, denied) => {
      const { http } = lazy;
      const cookie = await signedIn(http, 'repo');
      await permit(denied, ...(denied === '-evalsha' ? ['-eval'] : []));
      const reply = await http[method](path);
      expect(reply.status).toBe(503);
      await permit();
      await expectIntact(http, cookie, 'repo');
    },
  );

  it('a user without HMGET fails startup, with a message that lists every command the module needs', async () => {
    await permit('-hmget');
    const error = await startupError(adapter, {
      redis: { host: '127.0.0.1', port: redis.port, username: USER, password: PASSWORD },
      secrets: [TEST_SECRET],
    });
    expect(error).toBeInstanceOf(SessionStoreError);
    const message = String(error);
    expect(message).toMatch(/NOPERM|can't run this command/);
    for (const command of ['HGETALL', 'HMGET', 'HSET', 'EVALSHA', 'ZADD', 'TIME', 'SET', 'PEXPIREAT'])
      expect(message).toContain(command);
    expect(message).not.toContain(PASSWORD);
  });
});
