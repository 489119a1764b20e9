import type { INestApplication, LoggerService, Provider, Type } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisSessionModule, type RedisSessionModuleOptions } from 'nest-redis-session';
import { sessionCookieOf } from './cookies.js';
import { FixtureController } from './fixture.controller.js';
import { TestRedis } from './redis-fixture.js';
import type { RedisServer } from './redis-server.js';
import { HttpClient, listen } from './robustness-http.js';
import { RobustnessController } from './robustness.controller.js';
import { started } from './started.js';
import { createTestApp, TEST_SECRET, type AdapterName } from './test-app.js';

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
 * What the robustness suites (and the soak) start for a file: a real redis-server, an app with the fixture
 * and robustness routes on it listening on a free port, and clients of both.
 */
export class RobustnessApp {
  private readonly store: TestRedis;
  private appValue: INestApplication | undefined;
  private httpValue: HttpClient | undefined;

  constructor(
    private readonly adapter: AdapterName,
    private readonly options: RobustnessAppOptions = {},
  ) {
    this.store = new TestRedis({ args: options.redisArgs });
  }

  /** The redis-server, to stop, restart or signal. */
  get redis(): RedisServer {
    return this.store.server;
  }

  /** A connection of the test's own, to look at and damage the store. */
  get inspector(): Redis {
    return this.store.inspector;
  }

  get app(): INestApplication {
    return started(this.appValue, 'the robustness app');
  }

  /** Raw HTTP to the app on a real port (bytes as sent, hung requests detected). */
  get http(): HttpClient {
    return started(this.httpValue, 'the robustness app');
  }

  /** Starts all of it; on a failure part-way, what was started is stopped before the error is passed on. */
  async start(): Promise<this> {
    try {
      await this.store.start();
      const app = await createTestApp(this.adapter, {
        imports: [
          RedisSessionModule.forRoot({ redis: this.store.url, secrets: [TEST_SECRET], ...this.options.module }),
        ],
        controllers: [FixtureController, RobustnessController, ...(this.options.controllers ?? [])],
        providers: this.options.providers,
        logger: this.options.logger,
      });
      this.appValue = this.store.closeBeforeStop(app);
      this.httpValue = this.store.closeBeforeStop(new HttpClient(await listen(app)));
      return this;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** A new anonymous session holding `data`, written key by key through `/set/:key`; resolves its cookie. */
  async sessionWith(data: Record<string, unknown>): Promise<string> {
    let cookie: string | undefined;
    for (const [key, value] of Object.entries(data)) {
      const reply = await this.http.post(`/set/${key}`, { cookie, json: { value } });
      expect(reply.status).toBe(201);
      cookie ??= sessionCookieOf(reply);
    }
    return cookie!;
  }

  /** Stops all of it, whatever was started. */
  close(): Promise<void> {
    return this.store.destroy();
  }
}

/** Starts a `RobustnessApp`; the caller closes it. */
export function startRobustnessApp(adapter: AdapterName, options: RobustnessAppOptions = {}): Promise<RobustnessApp> {
  return new RobustnessApp(adapter, options).start();
}

/** A `RobustnessApp` for the calling describe block: started before its tests, closed after them. */
export function useRobustnessApp(adapter: AdapterName, options: RobustnessAppOptions = {}): RobustnessApp {
  const env = new RobustnessApp(adapter, options);
  beforeAll(() => env.start());
  afterAll(() => env.close());
  return env;
}
