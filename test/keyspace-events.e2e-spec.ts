import type { LoggerService } from '@nestjs/common';
import { SessionEvents, type SessionEvent } from 'nest-redis-session';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { CapturingLogger } from './support/capturing-logger.js';
import { cookieFrom, valueOf } from './support/cookies.js';
import { startRedis } from './support/redis-fixture.js';
import { publicIdForTests } from './support/signer.js';
import { ADAPTERS, createSessionApp, type AdapterName } from './support/test-app.js';
import { waitFor } from './support/timing.js';

type Server = Parameters<typeof request>[0];

function startApp(adapter: AdapterName, url: string, keyspaceEvents: boolean, logger: LoggerService) {
  return createSessionApp(adapter, { redis: url, keyspaceEvents }, { logger });
}

describe.each(ADAPTERS)('keyspace expiry events on %s', (adapter) => {
  it('reports a session that expires unseen, with its publicId and reason "unseen"', async () => {
    const redis = await startRedis({ args: ['--notify-keyspace-events', 'Ex'] });
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
      await redis.inspector.pexpire(`sess:{${publicId}}`, 20);
      await waitFor('an expiry event', () => events.length > 0, { timeoutMs: 3_000, intervalMs: 20 });
      expect(events).toEqual([expect.objectContaining({ type: 'expired', publicId, reason: 'unseen' })]);
      expect(logger.at('warn')).toEqual([]);
      // Keys that are not session records (a user index, another app's key) give no event.
      await redis.inspector.set(`sess:u:{${'u'.repeat(22)}}`, 'x', 'PX', 20);
      await redis.inspector.set(`other:{${'o'.repeat(22)}}`, 'x', 'PX', 20);
      await sleep(200);
      expect(events).toHaveLength(1);
    } finally {
      await app.close();
      await redis.destroy();
    }
  });

  it('says once at startup when the server has notifications off, and carries on', async () => {
    const redis = await startRedis();
    const logger = new CapturingLogger();
    const app = await startApp(adapter, redis.url, true, logger);
    try {
      expect(logger.at('warn').filter((w) => w.includes('notify-keyspace-events'))).toHaveLength(1);
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
    const redis = await startRedis({ args: ['--notify-keyspace-events', 'Ex'] });
    const app = await startApp(adapter, redis.url, false, new CapturingLogger());
    try {
      const clients = (await redis.inspector.client('LIST')) as string;
      expect(clients).not.toMatch(/cmd=psubscribe/);
    } finally {
      await app.close();
      await redis.destroy();
    }
  });
});
