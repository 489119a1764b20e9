import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { messageOf } from '../errors/error-message.js';
import { SessionConfigurationError } from '../errors/session-configuration.error.js';
import type { RedisClusterConnection, RedisConnection } from '../options/redis-session-options.interface.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { RedisClient } from './lua-script.js';
import { logConnectionErrors } from './redis-error-log.js';
import { isClusterConnection } from './redis-topology.js';
import { followSwitchovers } from './sentinel-switchover.js';

/** The client the Redis store uses, and whether the module created it (and so must close it). */
export interface SessionRedisConnection {
  readonly client: RedisClient;
  readonly owned: boolean;
}

/** Whether the `redis` option is a live client rather than a description of one. */
function isRedisClient(value: RedisConnection): value is RedisClient {
  return (
    typeof value === 'object' &&
    typeof (value as Partial<Redis>).evalsha === 'function' &&
    typeof (value as Partial<Redis>).status === 'string'
  );
}

/** Reconnect delay of a lost connection: quick at first, then every two seconds. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 2_000);

/**
 * A primary demoted to replica by a failover answers writes with `READONLY` while the connection stays
 * open (behind a fixed address, or before Sentinel kills its clients). Reconnecting reaches the new
 * primary; the command itself fails, so the request gets a 503 and the next one works.
 */
const reconnectOnError = (error: Error): 1 | false => (messageOf(error).startsWith('READONLY') ? 1 : false);

/**
 * Per-connection settings for the clients the module creates. ioredis by default queues commands while
 * disconnected and retries them for ever, so a request would hang while Redis is down; here a command
 * fails at once when there is no connection, and the reconnect loop runs in the background (S30).
 * No auto-pipelining: a request sends one command and waits for it, so there is never anything to batch,
 * and the wrapper costs every command a pipeline object and a tick (docs/benchmark.md, finding 3);
 * concurrent commands are written back to back on the socket without it.
 */
function connectionDefaults(options: ResolvedSessionOptions) {
  return {
    commandTimeout: options.commandTimeout,
    connectTimeout: Math.max(options.commandTimeout, 5_000),
    maxRetriesPerRequest: 0,
    enableAutoPipelining: false,
    reconnectOnError,
  } satisfies RedisOptions;
}

/** A single server, or the primary of a Sentinel group (`sentinels` and `name` in the options). */
function createRedis(redis: string | RedisOptions, options: ResolvedSessionOptions): Redis {
  const defaults: RedisOptions = {
    ...connectionDefaults(options),
    enableOfflineQueue: false,
    retryStrategy,
    lazyConnect: true,
  };
  if (typeof redis === 'string') return new Redis(redis, defaults);
  const sentinel = redis.sentinels !== undefined && redis.sentinels !== null && redis.sentinels.length > 0;
  // Asking a Sentinel where the primary is is bounded like a command.
  if (sentinel) defaults.sentinelCommandTimeout = Math.max(options.commandTimeout, 1_000);
  const client = new Redis({ ...defaults, ...redis });
  // Leave an old primary that is still up as soon as a Sentinel announces the failover.
  if (sentinel && !client.options.failoverDetector) followSwitchovers(client);
  return client;
}

/**
 * A Redis Cluster. ioredis follows `MOVED` and `ASK` itself, and retries `CLUSTERDOWN`, `TRYAGAIN` and
 * commands to a lost primary every 100 ms while it refreshes the slot map; the store's `commandTimeout`
 * bounds all of it, so a request during a failover gets a 503, never a hang. Reads go to primaries: a
 * replica may lag, and a read that is followed by its idle-timer refresh (touch-session.lua) must see what
 * the refresh will see.
 */
function createCluster({ cluster }: RedisClusterConnection, options: ResolvedSessionOptions): Cluster {
  if (typeof cluster !== 'object' || cluster === null || !Array.isArray(cluster.nodes) || cluster.nodes.length === 0) {
    throw new SessionConfigurationError([
      'redis.cluster.nodes: needs a non-empty array of startup nodes, such as [{ host: "10.0.0.1", port: 6379 }]',
    ]);
  }
  const own: ClusterOptions = cluster.options ?? {};
  const client = new Cluster(cluster.nodes, {
    enableOfflineQueue: false,
    enableAutoPipelining: false,
    lazyConnect: true,
    scaleReads: 'master',
    clusterRetryStrategy: retryStrategy,
    slotsRefreshTimeout: Math.max(options.commandTimeout, 1_000),
    ...own,
    redisOptions: { ...connectionDefaults(options), ...own.redisOptions },
  });
  // Node-level errors (a primary that went away, a refused connection) arrive as "node error"; log them
  // like the client's own, and let a failed startup say why.
  client.on('node error', (error: unknown, node: unknown) => {
    client.emit('error', new Error(`${typeof node === 'string' ? `${node}: ` : ''}${messageOf(error)}`));
  });
  return client;
}

/** The client for the store: the app's own, or one created from a URL, ioredis options or a cluster. */
export function createRedisConnection(options: ResolvedSessionOptions): SessionRedisConnection {
  const { redis } = options;
  if (isRedisClient(redis)) return { client: redis, owned: false };
  const client = isClusterConnection(redis) ? createCluster(redis, options) : createRedis(redis, options);
  logConnectionErrors(client);
  return { client, owned: true };
}
