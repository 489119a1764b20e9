import { SessionStoreError } from 'nest-redis-session';
import { useRobustnessApp } from './support/robustness-app.js';
import { sessionCookieOf } from './support/cookies.js';
import { liveRecords } from './support/robustness-redis.js';
import { ADAPTERS, startupError, TEST_SECRET } from './support/test-app.js';

// Library bugs the robustness suites found, each fixed since: every test here failed on the code before its fix.
describe.each(ADAPTERS)('regressions found by the robustness suites on %s', (adapter) => {
  const env = useRobustnessApp(adapter, { module: { maxSessionBytes: 64 << 20, commandTimeout: 10_000 } });

  it.each(['replace-parsed', 'merge-parsed'])(
    'S31: data set from parsed user JSON with an own "__proto__" key (%s) is dropped, and the signed-in session keeps working',
    async (route) => {
      const cookie = sessionCookieOf(await env.http.post('/login', { json: { userId: 'victim' } }));
      const reply = await env.http.post(`/r/${route}`, {
        cookie,
        json: { json: '{"__proto__":{"isAuthenticated":true},"theme":"dark"}' },
      });
      expect(reply.status).toBe(201);
      const [key] = await liveRecords(env.inspector);
      expect(await env.inspector.hkeys(key!)).not.toContain('__proto__');
      const me = await env.http.get('/private', { cookie });
      expect(me.status).toBe(200); // today: 401, the user is signed out (record refused as malformed)
      expect(me.body.data).toEqual({ theme: 'dark' });
    },
  );

  it('100,000 top-level keys under a raised maxSessionBytes are saved, or refused with a typed error, never a 503', async () => {
    const reply = await env.http.post('/r/keys/100000');
    expect(reply.status).not.toBe(503); // today: 503 from "RangeError: Maximum call stack size exceeded" in LuaScript.run
    expect(reply.status).toBe(201);
  });

  it.each([
    ['without EVALSHA', ['~sess:*', '+eval']],
    ['whose keys do not cover the prefix', ['~other:*', '+evalsha', '+eval']],
  ])('S37: an ACL user %s fails startup with a clear error', async (_label, rules) => {
    const needed = [
      '+script|load',
      '+unlink',
      '+type',
      '+time',
      '+hgetall',
      '+hmget',
      '+hset',
      '+hdel',
      '+exists',
      '+pexpire',
      '+pttl',
      '+del',
      '+info',
    ];
    await env.inspector.call(
      'ACL',
      'SETUSER',
      'limited',
      'reset',
      'on',
      '>pw-0123456789',
      '-@all',
      ...rules,
      ...needed,
    );
    const error = await startupError(adapter, {
      redis: { host: '127.0.0.1', port: env.redis.port, username: 'limited', password: 'pw-0123456789' },
      secrets: [TEST_SECRET],
    });
    expect(error).toBeInstanceOf(SessionStoreError);
  });
});
