import { SessionRepository } from 'nest-redis-session';
import request from 'supertest';
import { cookieFrom, setCookieFor } from './support/cookies.js';
import { useRedisServer } from './support/redis-fixture.js';
import type { AdapterName } from './support/test-app.js';
import { useSocketTestApp } from './support/ws-app.js';
import { closedWithin, expectEndedBySession, type SocketPlatform } from './support/ws-client.js';

const COMBINATIONS: ReadonlyArray<readonly [SocketPlatform, AdapterName]> = [
  ['ws', 'express'],
  ['ws', 'fastify'],
  ['socket.io', 'express'],
  ['socket.io', 'fastify'],
];

const redis = useRedisServer();

describe.each(COMBINATIONS)('sessions over %s WebSockets on %s', (platform, http) => {
  // No periodic check here: every closing below is the work of a message.
  const subject = useSocketTestApp(http, platform, () => ({ redis: redis.url, socketCheckInterval: 0 }));

  async function signedIn(userId: string): Promise<string> {
    return cookieFrom(await request(subject.server).post('/login').send({ userId }).expect(201));
  }

  it('resolves the session from the handshake cookie', async () => {
    const cookie = await signedIn('u-ws-1');
    await request(subject.server).post('/set/theme').set('Cookie', cookie).send({ value: 'dark' }).expect(201);
    const socket = await subject.connect(cookie);
    const reply = await socket.request('whoami');
    expect(reply.event).toBe('whoami');
    expect(reply.data).toMatchObject({ isAuthenticated: true, userId: 'u-ws-1', data: { theme: 'dark' } });
    expect(await socket.request('theme')).toEqual({ event: 'theme', data: { theme: 'dark' } });
  });

  it('gives a socket without a cookie an anonymous session, and AuthGuard refuses it without closing it', async () => {
    const socket = await subject.connect();
    expect((await socket.request('whoami')).data).toMatchObject({ isNew: true, isAuthenticated: false });
    expect(await socket.request('private')).toEqual({
      event: 'exception',
      data: { status: 'error', statusCode: 401, message: 'Sign-in required' },
    });
    expect(await socket.request('private-no-param')).toMatchObject({ event: 'exception' });
    expect(await socket.request('ping')).toEqual({ event: 'ping', data: { ok: true } });
    expect(await closedWithin(socket, 100)).toBe('open');
  });

  it('lets a signed-in socket through AuthGuard, also on a handler without @Session()', async () => {
    const socket = await subject.connect(await signedIn('u-ws-2'));
    expect(await socket.request('private')).toEqual({ event: 'private', data: { userId: 'u-ws-2' } });
    expect(await socket.request('private-no-param')).toEqual({ event: 'private-no-param', data: { ok: true } });
  });

  it('saves what a message handler changed, and the next HTTP request sees it', async () => {
    const cookie = await signedIn('u-ws-3');
    const socket = await subject.connect(cookie);
    expect(await socket.request('set', { key: 'cart', value: ['tea'] })).toEqual({
      event: 'set',
      data: { key: 'cart' },
    });
    const read = await request(subject.server).get('/key/cart').set('Cookie', cookie).expect(200);
    expect(read.body).toEqual({ value: ['tea'] });
    expect(setCookieFor(read)).toBeUndefined();
  });

  it('loads the session afresh for every message: changes made over HTTP meanwhile are seen', async () => {
    const cookie = await signedIn('u-ws-4');
    const socket = await subject.connect(cookie);
    expect((await socket.request('theme')).data).toEqual({ theme: null });
    await request(subject.server).post('/set/theme').set('Cookie', cookie).send({ value: 'light' }).expect(201);
    expect((await socket.request('theme')).data).toEqual({ theme: 'light' });
  });

  it('keeps the changes of concurrent messages on one socket apart', async () => {
    const cookie = await signedIn('u-ws-5');
    const socket = await subject.connect(cookie);
    const slow = socket.next('set');
    socket.send('set', { key: 'a', value: 1, delay: 150 });
    socket.send('set', { key: 'b', value: 2 });
    await slow;
    await socket.next('set');
    const read = await request(subject.server).get('/session').set('Cookie', cookie).expect(200);
    expect(read.body.data).toEqual({ a: 1, b: 2 });
  });

  it('closes the socket on the next message once its session was revoked', async () => {
    const cookie = await signedIn('u-ws-6');
    const socket = await subject.connect(cookie);
    const { publicId } = (await socket.request('whoami')).data as { publicId: string };
    expect(await subject.app.get(SessionRepository).revoke('u-ws-6', publicId)).toBe(true);
    expect(await socket.request('private')).toMatchObject({ event: 'exception' });
    await expectEndedBySession(socket);
  });

  it('closes the socket on the next message after a logout over HTTP', async () => {
    const cookie = await signedIn('u-ws-7');
    const socket = await subject.connect(cookie);
    expect((await socket.request('whoami')).data).toMatchObject({ isAuthenticated: true });
    await request(subject.server).post('/logout').set('Cookie', cookie).expect(201);
    socket.send('whoami');
    await expectEndedBySession(socket);
  });

  it('leaves a socket alone whose cookie named no session from the start', async () => {
    const cookie = await signedIn('u-ws-8');
    await request(subject.server).post('/logout').set('Cookie', cookie).expect(201);
    const socket = await subject.connect(cookie);
    expect((await socket.request('whoami')).data).toMatchObject({ isAuthenticated: false });
    expect(await socket.request('private')).toMatchObject({ event: 'exception' });
    expect(await closedWithin(socket, 100)).toBe('open');
  });

  it('writes a logout made over a socket to the store, without a cookie to clear', async () => {
    const cookie = await signedIn('u-ws-9');
    const socket = await subject.connect(cookie);
    expect(await socket.request('logout')).toEqual({ event: 'logout', data: { ok: true } });
    const read = await request(subject.server).get('/session').set('Cookie', cookie).expect(200);
    expect(read.body.isAuthenticated).toBe(false);
    socket.send('whoami');
    await expectEndedBySession(socket);
  });

  it('writes a login made over a socket to the store, though no cookie can carry it', async () => {
    const socket = await subject.connect();
    const reply = await socket.request('login', { userId: 'u-ws-10' });
    expect(reply.event).toBe('login');
    expect(await subject.app.get(SessionRepository).countForUser('u-ws-10')).toBe(1);
    expect(await socket.request('ping')).toEqual({ event: 'ping', data: { ok: true } });
  });
});
