/**
 * Attack probe: a session with tens of thousands of keys through login, regenerate, a concurrent save and
 * a size-limit check (Lua slices, unpack limits, argument arrays). Both adapters, real redis-server.
 */
import { sessionCookieOf } from './support/cookies.js';
import { useRobustnessApp } from './support/robustness-app.js';
import { liveRecords } from './support/robustness-redis.js';
import { RotationController } from './support/rotation.controller.js';
import { ADAPTERS } from './support/test-app.js';

describe.each(ADAPTERS)('attack: 60,000 keys through rotations on %s', (adapter) => {
  const app = useRobustnessApp(adapter, {
    controllers: [RotationController],
    module: { maxSessionBytes: 4 << 20 },
  });

  it('login and regenerate carry every key; the old key is a bare tombstone; a shrinking save passes', async () => {
    const anonymous = sessionCookieOf(await app.http.post('/r/keys/60000'));
    const signedIn = sessionCookieOf(await app.http.post('/login', { cookie: anonymous, json: { userId: 'wide' } }));
    const regenerated = sessionCookieOf(await app.http.post('/regenerate', { cookie: signedIn }));
    const [key] = await liveRecords(app.inspector);
    expect(await app.inspector.hlen(key!)).toBeGreaterThanOrEqual(60_000);
    const view = await app.http.get('/rot/view', { cookie: regenerated });
    expect(view.body).toMatchObject({ userId: 'wide' });
    expect(Object.keys(view.body.data as object)).toHaveLength(60_000);
    for (const old of await app.inspector.keys('sess:{*')) {
      if (old === key) continue;
      expect(Object.keys(await app.inspector.hgetall(old)).sort()).toEqual(['#f', '#g', '#n', '#o']);
    }
    expect((await app.http.send('DELETE', '/key/k0', { cookie: regenerated })).status).toBe(200);
    expect(await app.inspector.hexists(key!, 'k0')).toBe(0);
  }, 60_000);
});
