import type { INestApplication } from '@nestjs/common';
import type { RedisConnection } from 'nest-redis-session';
import request from 'supertest';
import { setCookieFor } from './cookies.js';
import { started } from './started.js';
import { createSessionApp, type AdapterName, type SessionAppOptions, type TestAppDefinition } from './test-app.js';

/** The command timeout of the apps the cluster and Sentinel suites build themselves. */
export const COMMAND_TIMEOUT = 500;
/** "Quickly": the command timeout plus room for a busy 2-core machine. */
export const BOUND = COMMAND_TIMEOUT + 1_500;

/** How an app on a replicated deployment differs from the default. */
export interface ReplicatedAppOptions {
  /** Module options beyond `redis`. */
  module?: Omit<SessionAppOptions, 'redis'>;
  /** Controllers instead of `FixtureController`. */
  controllers?: TestAppDefinition['controllers'];
  /** Listen on a free loopback port (the failover load runs over real sockets). */
  listen?: boolean;
}

/** An app with the fixture routes on a replicated deployment (a cluster, a Sentinel group), and its server. */
export class ReplicatedApp {
  private appValue: INestApplication | undefined;

  get app(): INestApplication {
    return started(this.appValue, 'the app');
  }

  /** The app's HTTP server, for supertest. */
  get server(): Parameters<typeof request>[0] {
    return this.app.getHttpServer() as Parameters<typeof request>[0];
  }

  /** Builds the app on `connection` (and listens, if asked). */
  async start(adapter: AdapterName, connection: RedisConnection, options: ReplicatedAppOptions = {}): Promise<this> {
    this.appValue = await createSessionApp(
      adapter,
      { redis: connection, ...options.module },
      { controllers: options.controllers },
    );
    if (options.listen === true) await this.appValue.listen(0, '127.0.0.1');
    return this;
  }

  /** Closes the app, if it was built. */
  async close(): Promise<void> {
    await this.appValue?.close();
  }
}

/** Starts a `ReplicatedApp`; the caller closes it. */
export function startReplicatedApp(
  adapter: AdapterName,
  connection: RedisConnection,
  options: ReplicatedAppOptions = {},
): Promise<ReplicatedApp> {
  return new ReplicatedApp().start(adapter, connection, options);
}

/**
 * A `ReplicatedApp` for the calling describe block: started before its tests on `connection()` (read
 * then, once the deployment is up), closed after them.
 */
export function useReplicatedApp(
  adapter: AdapterName,
  connection: () => RedisConnection,
  options: ReplicatedAppOptions = {},
): ReplicatedApp {
  const subject = new ReplicatedApp();
  beforeAll(() => subject.start(adapter, connection(), options));
  afterAll(() => subject.close());
  return subject;
}

/** A guarded read and a write with `cookie` both get a quick 503 (within `BOUND`) and leave the cookie alone. */
export async function expectUnavailable(server: Parameters<typeof request>[0], cookie: string): Promise<void> {
  const start = performance.now();
  const read = await request(server).get('/private').set('Cookie', cookie);
  expect(read.status).toBe(503);
  expect(performance.now() - start).toBeLessThan(BOUND);
  expect(setCookieFor(read)).toBeUndefined();
  const write = await request(server).post('/set/k').set('Cookie', cookie).send({ value: 1 });
  expect(write.status).toBe(503);
  expect(setCookieFor(write)).toBeUndefined();
}
