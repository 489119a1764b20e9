import { type INestApplication, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { RedisSessionModule, SessionEvents, type SessionEvent } from 'nest-redis-session';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { cookieFrom, valueOf } from './support/cookies.js';
import { FixtureController } from './support/fixture.controller.js';
import { RedisServer } from './support/redis-server.js';
import { publicIdForTests } from './support/signer.js';
import { ADAPTERS, adapterOf, TEST_SECRET, type AdapterName } from './support/test-app.js';

type Server = Parameters<typeof request>[0];

/** Collects warnings, to check what the module says at startup. */
class CapturingLogger implements LoggerService {
  readonly warnings: string[] = [];
  log(): void {}
  error(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

async function startApp(adapter: AdapterName, url: string, keyspaceEvents: boolean, logger: LoggerService) {
  const moduleRef = await Test.createTestingModule({
    imports: [RedisSessionModule.forRoot({ redis: url, secrets: [TEST_SECRET], keyspaceEvents })],
    controllers: [FixtureController],
  }).compile();
  const app: INestApplication = moduleRef.createNestApplication(adapterOf(adapter), { logger });
  await app.init();
  if (adapter === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
  return app;
}

async function waitFor(check: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(20);
}

describe.each(ADAPTERS)('keyspace expiry events on %s', (adapter) => {
  it('reports a session that expires unseen, with its publicId and reason "unseen"', async () => {
    const redis = await RedisServer.start({ args: ['--notify-keyspace-events', 'Ex'] });
    const inspector: Redis = redis.client();
    const logger = new CapturingLogger();
    const app = await startApp(adapter, redis.url, true, logger);
    try {
      const events: SessionEvent[] = [];
      app
        .get(SessionEvents)
        .ofType('expired')
        .subscribe((event) => events.push(event));
      const cookie = cookieFrom(
        await request(app.getHttpServer() as Server)
          .post('/set/a')
          .send({ value: 1 })
          .expect(201),
      );
      const publicId = publicIdForTests(valueOf(cookie).split('.')[0]!);
      await inspector.pexpire(`sess:{${publicId}}`, 20);
      await waitFor(() => events.length > 0);
      expect(events).toEqual([expect.objectContaining({ type: 'expired', publicId, reason: 'unseen' })]);
      expect(logger.warnings).toEqual([]);
      // Keys that are not session records (a user index, another app's key) give no event.
      await inspector.set(`sess:u:{${'u'.repeat(22)}}`, 'x', 'PX', 20);
      await inspector.set(`other:{${'o'.repeat(22)}}`, 'x', 'PX', 20);
      await sleep(200);
      expect(events).toHaveLength(1);
    } finally {
      await app.close();
      inspector.disconnect();
      await redis.destroy();
    }
  });

  it('says once at startup when the server has notifications off, and carries on', async () => {
    const redis = await RedisServer.start();
    const logger = new CapturingLogger();
    const app = await startApp(adapter, redis.url, true, logger);
    try {
      expect(logger.warnings.filter((w) => w.includes('notify-keyspace-events'))).toHaveLength(1);
      await request(app.getHttpServer() as Server)
        .post('/set/a')
        .send({ value: 1 })
        .expect(201);
    } finally {
      await app.close();
      await redis.destroy();
    }
  });

  it('is off by default: no subscriber connection', async () => {
    const redis = await RedisServer.start({ args: ['--notify-keyspace-events', 'Ex'] });
    const inspector: Redis = redis.client();
    const app = await startApp(adapter, redis.url, false, new CapturingLogger());
    try {
      const clients = (await inspector.client('LIST')) as string;
      expect(clients).not.toMatch(/cmd=psubscribe/);
    } finally {
      await app.close();
      inspector.disconnect();
      await redis.destroy();
    }
  });
});
