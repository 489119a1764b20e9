import { SessionRepository } from 'nest-redis-session';
import request from 'supertest';
import { cookieFrom } from './support/cookies.js';
import { useRedisServer } from './support/redis-fixture.js';
import { useSocketTestApp } from './support/ws-app.js';
import { closedWithin, expectEndedBySession, type SocketPlatform } from './support/ws-client.js';

const CHECK_INTERVAL = 200;
const IDLE_TIMEOUT = 1_500;

// One server for both platforms (flushed before each test); each platform's app closes before the next starts.
const redis = useRedisServer({ recordCommands: true });

describe.each<SocketPlatform>(['ws', 'socket.io'])('the periodic session check of %s sockets', (platform) => {
  const subject = useSocketTestApp('express', platform, () => ({
    redis: redis.url,
    socketCheckInterval: CHECK_INTERVAL,
    idleTimeout: IDLE_TIMEOUT,
  }));

  async function signedIn(userId: string): Promise<{ cookie: string; publicId: string }> {
    const response = await request(subject.server).post('/login').send({ userId }).expect(201);
    return { cookie: cookieFrom(response), publicId: (response.body as { publicId: string }).publicId };
  }

  it('closes a socket whose session was revoked, without waiting for a message', async () => {
    const { cookie, publicId } = await signedIn('u-check-1');
    const socket = await subject.connect(cookie);
    // Let the check at connection see the session live first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await subject.app.get(SessionRepository).revoke('u-check-1', publicId);
    expect(await closedWithin(socket, 5 * CHECK_INTERVAL)).toBe('closed');
    await expectEndedBySession(socket);
  });

  it('closes a socket whose session went idle: an open socket does not keep its session alive', async () => {
    const { cookie } = await signedIn('u-check-2');
    const socket = await subject.connect(cookie);
    expect(await closedWithin(socket, IDLE_TIMEOUT - 500)).toBe('open');
    expect(await closedWithin(socket, 500 + 5 * CHECK_INTERVAL)).toBe('closed');
    await expectEndedBySession(socket);
    const read = await request(subject.server).get('/session').set('Cookie', cookie).expect(200);
    expect(read.body.isAuthenticated).toBe(false);
  });

  it('leaves sockets open while their session lives, and anonymous sockets always', async () => {
    const { cookie } = await signedIn('u-check-3');
    const live = await subject.connect(cookie);
    const anonymous = await subject.connect();
    for (let i = 0; i < 3; i++) {
      expect(await live.request('private')).toEqual({ event: 'private', data: { userId: 'u-check-3' } });
      await new Promise((resolve) => setTimeout(resolve, CHECK_INTERVAL));
    }
    expect(await closedWithin(live, 10)).toBe('open');
    expect(await closedWithin(anonymous, 10)).toBe('open');
  });

  it('reads without refreshing the idle timer, one command per session, and stops once its sockets are gone', async () => {
    const { cookie } = await signedIn('u-check-4');
    const first = await subject.connect(cookie);
    const second = await subject.connect(cookie);
    await redis.recorder.reset();
    await new Promise((resolve) => setTimeout(resolve, 2.5 * CHECK_INTERVAL));
    const whileOpen = await redis.recorder.take();
    expect(whileOpen.length).toBeGreaterThanOrEqual(1);
    // Two sockets of one session cost one read per check, and nothing is written.
    expect(new Set(whileOpen.map((command) => command.name))).toEqual(new Set(['hmget']));
    expect(whileOpen.length).toBeLessThanOrEqual(3);
    first.close();
    second.close();
    await Promise.all([first.closed, second.closed]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await redis.recorder.reset();
    await new Promise((resolve) => setTimeout(resolve, 3 * CHECK_INTERVAL));
    expect(await redis.recorder.take()).toEqual([]);
  });
});
