import { sessionCookieOf } from './support/cookies.js';
import { useRobustnessApp } from './support/robustness-app.js';
import { ADAPTERS } from './support/test-app.js';
import { waitFor } from './support/timing.js';

/**
 * What the README's persistence advice rests on: a logout is a deletion in Redis, so a crash that loses the
 * deletion brings the session back. With RDB snapshots alone everything since the last snapshot is lost.
 */
describe.each(ADAPTERS)('Redis persistence on %s', (adapter) => {
  const app = useRobustnessApp(adapter);

  it('with RDB snapshots only, a logout lost in a crash (kill -9) brings the signed-out session back', async () => {
    const { http, inspector, redis } = app;
    const cookie = sessionCookieOf(await http.post('/login', { json: { userId: 'rdb' } }));
    await inspector.save();
    expect((await http.post('/logout', { cookie })).status).toBe(201);
    expect((await http.get('/private', { cookie })).status).toBe(401);

    process.kill(redis.pid, 'SIGKILL');
    await redis.stop();
    await redis.restart();
    // A request without a cookie sends Redis nothing: wait until one with a cookie gets an answer.
    await waitFor('Redis to answer again', async () => (await http.get('/private', { cookie })).status !== 503);

    const resurrected = await http.get('/private', { cookie });
    expect(resurrected.status).toBe(200);
    expect(resurrected.body.userId).toBe('rdb');
  });
});
