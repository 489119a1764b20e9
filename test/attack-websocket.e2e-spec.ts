/**
 * Attack probe over WebSockets: a socket opened with a planted anonymous ID, after the victim signed in
 * over HTTP with it. Both HTTP adapters, the `ws` platform, a real redis-server.
 */
import request from 'supertest';
import { RedisServer } from './support/redis-server.js';
import { ADAPTERS } from './support/test-app.js';
import { createSocketTestApp, type SocketTestApp } from './support/ws-app.js';
import { TestSocket } from './support/ws-client.js';

function cookieOf(headers: Record<string, unknown>): string {
  const set = (headers['set-cookie'] as string[] | undefined)?.find((c) => c.startsWith('sid='));
  if (set === undefined) throw new Error('no sid cookie');
  return set.split(';')[0]!;
}

describe.each(ADAPTERS)('attack: a planted ID on a socket on %s', (adapter) => {
  let redis: RedisServer;
  let socketApp: SocketTestApp;

  beforeAll(async () => {
    redis = await RedisServer.start();
    socketApp = await createSocketTestApp(adapter, 'ws', { redis: redis.url, socketCheckInterval: 0 });
  });

  afterAll(async () => {
    await socketApp?.app.close();
    await redis?.destroy();
  });

  it('the attacker’s socket sees nothing of the victim’s login: refused and closed (4401), its in-flight write lands nowhere', async () => {
    const server = socketApp.app.getHttpServer() as Parameters<typeof request>[0];
    const planted = cookieOf((await request(server).post('/set/planted').send({ value: 1 })).headers);
    const attacker = await TestSocket.connect('ws', socketApp.url, planted);
    try {
      // A slow write from the attacker's socket is in flight when the victim signs in.
      const slow = attacker.request('set', { key: 'evil', value: true, delay: 300 });
      const victim = cookieOf(
        (await request(server).post('/login').set('Cookie', planted).send({ userId: 'victim' })).headers,
      );
      await request(server).post('/set/csrf').set('Cookie', victim).send({ value: 'tok' }).expect(201);
      await slow;

      // The socket's session ended (it moved into someone's login): the socket is refused and closed.
      const who = await attacker.request('whoami');
      expect(who).toMatchObject({ event: 'exception', data: { statusCode: 401 } });
      expect(JSON.stringify(attacker.received)).not.toContain('tok');
      expect(await attacker.closed).toMatchObject({ code: 4401 });

      const mine = await request(server).get('/private').set('Cookie', victim).expect(200);
      expect(mine.body).toEqual({ userId: 'victim', data: { planted: 1, csrf: 'tok' } });
    } finally {
      attacker.close();
    }
  });
});
