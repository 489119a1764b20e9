import type { Redis } from 'ioredis';
import { SessionRepository } from 'nest-redis-session';
import { SESSION_ENDED_CLOSE_CODE } from 'nest-redis-session/websockets';
import request from 'supertest';
import { CommandRecorder } from './support/command-recorder.js';
import { cookieFrom } from './support/cookies.js';
import { RedisServer } from './support/redis-server.js';
import { createSocketTestApp, type SocketTestApp } from './support/ws-app.js';
import { closedWithin, TestSocket, type SocketPlatform } from './support/ws-client.js';

const CHECK_INTERVAL = 200;
const IDLE_TIMEOUT = 1_500;

describe.each<SocketPlatform>(['ws', 'socket.io'])('the periodic session check of %s sockets', (platform) => {
  let redis: RedisServer;
  let inspector: Redis;
  let recorder: CommandRecorder;
  let subject: SocketTestApp;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    inspector = redis.client();
    recorder = await CommandRecorder.start(redis.client());
    subject = await createSocketTestApp('express', platform, {
      redis: redis.url,
      socketCheckInterval: CHECK_INTERVAL,
      idleTimeout: IDLE_TIMEOUT,
    });
  });

  afterAll(async () => {
    await subject?.app.close();
    recorder?.stop();
    inspector?.disconnect();
    await redis?.destroy();
  });

  beforeEach(async () => {
    await inspector.flushall();
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  const server = (): Parameters<typeof request>[0] => subject.app.getHttpServer() as Parameters<typeof request>[0];

  async function connect(cookie?: string): Promise<TestSocket> {
    const socket = await TestSocket.connect(platform, subject.url, cookie);
    sockets.push(socket);
    return socket;
  }

  async function signedIn(userId: string): Promise<{ cookie: string; publicId: string }> {
    const response = await request(server()).post('/login').send({ userId }).expect(201);
    return { cookie: cookieFrom(response), publicId: (response.body as { publicId: string }).publicId };
  }

  async function expectEndedBySession(socket: TestSocket): Promise<void> {
    const closed = await socket.closed;
    if (platform === 'ws') expect(closed.code).toBe(SESSION_ENDED_CLOSE_CODE);
    else expect(closed.reason).toBe('io server disconnect');
    expect(socket.received).toContainEqual({
      event: 'exception',
      data: { status: 'error', statusCode: 401, message: 'Session ended' },
    });
  }

  it('closes a socket whose session was revoked, without waiting for a message', async () => {
    const { cookie, publicId } = await signedIn('u-check-1');
    const socket = await connect(cookie);
    // Let the check at connection see the session live first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await subject.app.get(SessionRepository).revoke('u-check-1', publicId);
    expect(await closedWithin(socket, 5 * CHECK_INTERVAL)).toBe('closed');
    await expectEndedBySession(socket);
  });

  it('closes a socket whose session went idle: an open socket does not keep its session alive', async () => {
    const { cookie } = await signedIn('u-check-2');
    const socket = await connect(cookie);
    expect(await closedWithin(socket, IDLE_TIMEOUT - 500)).toBe('open');
    expect(await closedWithin(socket, 500 + 5 * CHECK_INTERVAL)).toBe('closed');
    await expectEndedBySession(socket);
    const read = await request(server()).get('/session').set('Cookie', cookie).expect(200);
    expect(read.body.isAuthenticated).toBe(false);
  });

  it('leaves sockets open while their session lives, and anonymous sockets always', async () => {
    const { cookie } = await signedIn('u-check-3');
    const live = await connect(cookie);
    const anonymous = await connect();
    for (let i = 0; i < 3; i++) {
      expect(await live.request('private')).toEqual({ event: 'private', data: { userId: 'u-check-3' } });
      await new Promise((resolve) => setTimeout(resolve, CHECK_INTERVAL));
    }
    expect(await closedWithin(live, 10)).toBe('open');
    expect(await closedWithin(anonymous, 10)).toBe('open');
  });

  it('reads without refreshing the idle timer, one command per session, and stops once its sockets are gone', async () => {
    const { cookie } = await signedIn('u-check-4');
    const first = await connect(cookie);
    const second = await connect(cookie);
    await recorder.reset();
    await new Promise((resolve) => setTimeout(resolve, 2.5 * CHECK_INTERVAL));
    const whileOpen = await recorder.take();
    expect(whileOpen.length).toBeGreaterThanOrEqual(1);
    // Two sockets of one session cost one read per check, and nothing is written.
    expect(new Set(whileOpen.map((command) => command.name))).toEqual(new Set(['hmget']));
    expect(whileOpen.length).toBeLessThanOrEqual(3);
    first.close();
    second.close();
    await Promise.all([first.closed, second.closed]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await recorder.reset();
    await new Promise((resolve) => setTimeout(resolve, 3 * CHECK_INTERVAL));
    expect(await recorder.take()).toEqual([]);
  });
});
