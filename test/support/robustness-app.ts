import type { INestApplication, LoggerService, Provider, Type } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisSessionModule, type RedisSessionModuleOptions } from 'nest-redis-session';
import { FixtureController } from './fixture.controller.js';
import { RedisServer } from './redis-server.js';
import { HttpClient, listen } from './robustness-http.js';
import { RobustnessController } from './robustness.controller.js';
import { createTestApp, TEST_SECRET, type AdapterName } from './test-app.js';

/** What the robustness suites (and the soak) start for a file: a Redis, an app on it, and clients of both. */
export interface RobustnessApp {
  readonly redis: RedisServer;
  /** A connection of the test's own, to look at and damage the store. */
  readonly inspector: Redis;
  readonly app: INestApplication;
  /** Raw HTTP to the app on a real port (bytes as sent, hung requests detected). */
  readonly http: HttpClient;
  /** Stops all of it, whatever was started. */
  close(): Promise<void>;
}

/** How a suite's Redis and module differ from the defaults. */
export interface RobustnessAppOptions {
  /** Extra `redis-server` arguments. */
  redisArgs?: string[];
  /** Module options beyond `redis` and `secrets`. */
  module?: Omit<RedisSessionModuleOptions, 'redis' | 'secrets'>;
  /** Extra providers (an exception filter, say). */
  providers?: Provider[];
  /** Controllers beside the fixture and robustness routes. */
  controllers?: Type[];
  /** Where the app logs; quiet by default. */
  logger?: LoggerService;
}

/**
 * A real redis-server and an app with the fixture and robustness routes on it, listening on a free port.
 * On a failure part-way, what was started is stopped before the error is passed on.
 */
export async function startRobustnessApp(
  adapter: AdapterName,
  options: RobustnessAppOptions = {},
): Promise<RobustnessApp> {
  const redis = await RedisServer.start({ args: options.redisArgs });
  const inspector = redis.client();
  let app: INestApplication | undefined;
  let http: HttpClient | undefined;
  const close = async (): Promise<void> => {
    http?.close();
    await app?.close();
    inspector.disconnect();
    await redis.destroy();
  };
  try {
    app = await createTestApp(adapter, {
      imports: [RedisSessionModule.forRoot({ redis: redis.url, secrets: [TEST_SECRET], ...options.module })],
      controllers: [FixtureController, RobustnessController, ...(options.controllers ?? [])],
      providers: options.providers,
      logger: options.logger,
    });
    http = new HttpClient(await listen(app));
    return { redis, inspector, app, http, close };
  } catch (error) {
    await close();
    throw error;
  }
}
