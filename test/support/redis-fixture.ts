import type { Redis } from 'ioredis';
import { CommandRecorder } from './command-recorder.js';
import { RedisServer, type RedisServerOptions } from './redis-server.js';
import { started } from './started.js';

/** How a suite's Redis differs from a plain one. */
export interface TestRedisOptions extends RedisServerOptions {
  /** Also record the commands apps send, through `MONITOR` (see `recorder`). */
  recordCommands?: boolean;
}

/**
 * A real redis-server on a free port for a suite, with the connections a test looks at it through.
 * Made by `startRedis()`, or by `useRedisServer()` for a whole describe block.
 */
export class TestRedis {
  private serverValue: RedisServer | undefined;
  private inspectorValue: Redis | undefined;
  private recorderValue: CommandRecorder | undefined;
  private readonly closeFirst: Array<() => unknown> = [];

  constructor(private readonly options: TestRedisOptions = {}) {}

  /** The server itself: `stop()`, `restart()` and `pid` for outages, `client()` for more connections. */
  get server(): RedisServer {
    return started(this.serverValue, 'the test Redis');
  }

  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  /**
   * A connection of the test's own, to look at and damage what the apps stored. It reconnects after an
   * outage, and its `error` events are dropped: a test that stops the server sees its commands fail.
   */
  get inspector(): Redis {
    return started(this.inspectorValue, "the test Redis's inspector");
  }

  /** The commands apps sent since the last `flush()` or `take()`; needs `recordCommands`. */
  get recorder(): CommandRecorder {
    return started(this.recorderValue, 'the command recorder (recordCommands: true)');
  }

  /** Starts the server and its connections. */
  async start(): Promise<this> {
    this.serverValue = await RedisServer.start(this.options);
    this.inspectorValue = this.serverValue.client();
    this.inspectorValue.on('error', () => undefined);
    if (this.options.recordCommands === true) {
      this.recorderValue = await CommandRecorder.start(this.serverValue.client());
    }
    return this;
  }

  /** Empties every database and forgets the recorded commands, so a test starts from nothing. */
  async flush(): Promise<void> {
    await this.inspector.flushall();
    await this.recorderValue?.reset();
  }

  /**
   * Has `destroy()` close `closable` before it stops the server (the last one given first): an app built
   * on this Redis must close while the server still answers. Returns `closable`.
   */
  closeBeforeStop<T extends { close(): unknown }>(closable: T): T {
    this.closeFirst.push(() => closable.close());
    return closable;
  }

  /**
   * Closes what `closeBeforeStop` was given, closes the connections, stops the server and removes its
   * directory. Does what it can when `start()` failed part-way or never ran.
   */
  async destroy(): Promise<void> {
    for (const close of this.closeFirst.splice(0).reverse()) await close();
    this.recorderValue?.stop();
    this.inspectorValue?.disconnect();
    await this.serverValue?.destroy();
    this.recorderValue = this.inspectorValue = this.serverValue = undefined;
  }
}

/** Starts a `TestRedis`; the caller destroys it. */
export function startRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  return new TestRedis(options).start();
}

/** How `useRedisServer` runs a describe block's Redis. */
export interface RedisFixtureOptions extends TestRedisOptions {
  /** Empty Redis before each test (the default), or `false` to keep what earlier tests stored. */
  flushBeforeEach?: boolean;
}

/**
 * A `TestRedis` for the calling describe block: started before its tests, destroyed after them, and
 * flushed before each. Call it first in the block.
 *
 * Jest runs a block's `afterAll` hooks in the order they are declared, so this one runs before the
 * block's own: an app the block builds in `beforeAll` is handed to `closeBeforeStop`, which closes it
 * before the server stops. Apps built in a test, or in an inner block, close on their own.
 */
export function useRedisServer(options: RedisFixtureOptions = {}): TestRedis {
  const redis = new TestRedis(options);
  beforeAll(() => redis.start());
  afterAll(() => redis.destroy());
  if (options.flushBeforeEach !== false) beforeEach(() => redis.flush());
  return redis;
}
