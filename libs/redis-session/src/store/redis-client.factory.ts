import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConnection } from '../options/redis-session-options.interface.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { RedisClient } from './lua-script.js';
import { logConnectionErrors } from './redis-error-log.js';

/** The client the Redis store uses, and whether the module created it (and so must close it). */
export interface SessionRedisConnection {
  readonly client: RedisClient;
  readonly owned: boolean;
}

/** Whether the `redis` option is a live client rather than a description of one. */
export function isRedisClient(value: RedisConnection): value is RedisClient {
  return (
    typeof value === 'object' &&
    typeof (value as Partial<Redis>).evalsha === 'function' &&
    typeof (value as Partial<Redis>).status === 'string'
  );
}

/**
 * Settings for the clients the module creates. ioredis by default queues commands while disconnected
 * and retries them for ever, so a request would hang while Redis is down; here a command fails at once
 * when there is no connection, and the reconnect loop runs in the background (S30).
 */
function clientDefaults(options: ResolvedSessionOptions): RedisOptions {
  return {
    commandTimeout: options.commandTimeout,
    connectTimeout: Math.max(options.commandTimeout, 5_000),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: true,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
    lazyConnect: true,
  };
}

/** The client for the store: the app's own, or one created from a URL or ioredis options. */
export function createRedisConnection(options: ResolvedSessionOptions): SessionRedisConnection {
  const { redis } = options;
  if (isRedisClient(redis)) return { client: redis, owned: false };
  const defaults = clientDefaults(options);
  const client = typeof redis === 'string' ? new Redis(redis, defaults) : new Redis({ ...defaults, ...redis });
  logConnectionErrors(client);
  return { client, owned: true };
}
