import { SessionRepository, type RedisSessionModuleOptions } from 'nest-redis-session';
import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { cookieFrom, setCookieFor } from './support/cookies.js';
import { ADAPTERS, createSessionApp } from './support/test-app.js';

type Server = Parameters<typeof request>[0];

/** A client behind the app's own proxies: `proxyChain` is what reached the app in X-Forwarded-For. */
const SPOOFED_AND_REAL = '6.6.6.6, 203.0.113.7';

describe.each(ADAPTERS)('trustProxy on %s', (adapter) => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(trustProxy: RedisSessionModuleOptions['trustProxy']): Promise<Server> {
    app = await createSessionApp(adapter, { store: 'memory', trustProxy });
    return app.getHttpServer() as Server;
  }

  async function recordedIp(server: Server, forwardedFor: string): Promise<string | undefined> {
    await request(server).post('/login').set('X-Forwarded-For', forwardedFor).send({ userId: 'ip' }).expect(201);
    const [device] = await app!.get(SessionRepository).listForUser('ip');
    return device?.ip;
  }

  it('with a number of proxies, records the address the outermost proxy saw, not what the client wrote', async () => {
    const server = await start(1);
    expect(await recordedIp(server, SPOOFED_AND_REAL)).toBe('203.0.113.7');
  });

  it('with two proxies, takes the entry two from the right', async () => {
    const server = await start(2);
    expect(await recordedIp(server, `${SPOOFED_AND_REAL}, 10.0.0.2`)).toBe('203.0.113.7');
  });

  it('with true, takes the left-most entry, which a client can choose (documented)', async () => {
    const server = await start(true);
    expect(await recordedIp(server, SPOOFED_AND_REAL)).toBe('6.6.6.6');
  });

  it('with false, ignores X-Forwarded-For', async () => {
    const server = await start(false);
    expect(await recordedIp(server, SPOOFED_AND_REAL)).not.toBe('6.6.6.6');
  });

  it('S12: with one proxy, X-Forwarded-Proto counts only in the entry that proxy wrote', async () => {
    const server = await start(1);
    const spoofed = await request(server).post('/set/a').set('X-Forwarded-Proto', 'https, http').send({ value: 1 });
    expect(setCookieFor(spoofed, '__Host-sid')).toBeUndefined();
    expect(cookieFrom(spoofed)).toMatch(/^sid=/);
    const secure = await request(server).post('/set/a').set('X-Forwarded-Proto', 'https').send({ value: 1 });
    expect(setCookieFor(secure, '__Host-sid')).toMatch(/; Secure/);
  });
});
