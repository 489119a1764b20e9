/**
 * Attack probe over WebSockets: a socket opened with a planted anonymous ID, after the victim signed in
 * over HTTP with it. Both HTTP adapters, the `ws` platform, a real redis-server.
 */
import request from 'supertest';
import { cookieFrom } from './support/cookies.js';
import { useRedisServer } from './support/redis-fixture.js';
import { ADAPTERS } from './support/test-app.js';
import { useSocketTestApp } from './support/ws-app.js';

// One server for both adapters (flushed before each test); each adapter's app closes before the next starts.
const redis = useRedisServer();

describe.each(ADAPTERS)('attack: a planted ID on a socket on %s', (adapter) => {
  const socketApp = useSocketTestApp(adapter, 'ws', () => ({ redis: redis.url, socketCheckInterval: 0 }));

  it('the attacker’s socket sees nothing of the victim’s login: refused and closed (4401), its in-flight write lands nowhere', async () => {
    const server = socketApp.server;
    const planted = cookieFrom(await request(server).post('/set/planted').send({ value: 1 }));
    const attacker = await socketApp.connect(planted);
    // A slow write from the attacker's socket is in flight when the victim signs in.
    const slow = attacker.request('set', { key: 'evil', value: true, delay: 300 });
    const victim = cookieFrom(await request(server).post('/login').set('Cookie', planted).send({ userId: 'victim' }));
    await request(server).post('/set/csrf').set('Cookie', victim).send({ value: 'tok' }).expect(201);
    await slow;

    // The socket's session ended (it moved into someone's login): the socket is refused and closed.
    const who = await attacker.request('whoami');
    expect(who).toMatchObject({ event: 'exception', data: { statusCode: 401 } });
    expect(JSON.stringify(attacker.received)).not.toContain('tok');
    expect(await attacker.closed).toMatchObject({ code: 4401 });

    const mine = await request(server).get('/private').set('Cookie', victim).expect(200);
    expect(mine.body).toEqual({ userId: 'victim', data: { planted: 1, csrf: 'tok' } });
  });
});
