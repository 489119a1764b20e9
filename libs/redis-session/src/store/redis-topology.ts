import type { Cluster, ClusterNode } from 'ioredis';
import type { RedisClusterConnection, RedisConnection } from '../options/redis-session-options.interface.js';
import type { RedisClient } from './lua-script.js';

/** Whether a client talks to a Redis Cluster (an ioredis `Cluster`) rather than to one server. */
export function isClusterClient(client: RedisClient): client is Cluster {
  return (client as Partial<Cluster>).isCluster === true;
}

/** Whether the `redis` option describes a Redis Cluster for the module to connect to. */
export function isClusterConnection(value: RedisConnection): value is RedisClusterConnection {
  return typeof value === 'object' && value !== null && 'cluster' in value;
}

/** `host:port` of a node, the way ioredis names a cluster node in `cluster.slots`. */
function addressOf(node: ClusterNode | { host?: string; port?: number }): string {
  if (typeof node === 'number') return `127.0.0.1:${node}`;
  if (typeof node === 'string') return node;
  return `${node.host ?? '127.0.0.1'}:${node.port ?? 6379}`;
}

/** Where a client points, for messages: never the password. */
export function describeClient(client: RedisClient): string {
  if (isClusterClient(client)) {
    // ioredis keeps the startup nodes on the instance; they say where the app meant to connect.
    const startup = (client as unknown as { startupNodes?: unknown }).startupNodes;
    const nodes = Array.isArray(startup) ? (startup as ClusterNode[]).map(addressOf) : [];
    return nodes.length > 0 ? `the Redis Cluster at ${nodes.join(', ')}` : 'the Redis Cluster';
  }
  const options = client.options as
    | {
        host?: string;
        port?: number;
        path?: string;
        sentinels?: { host?: string; port?: number }[] | null;
        name?: string | null;
      }
    | undefined;
  if (options?.sentinels && options.sentinels.length > 0) {
    const sentinels = options.sentinels.map((s) => `${s.host ?? '127.0.0.1'}:${s.port ?? 26379}`);
    return `the primary of "${options.name ?? ''}" from the Sentinels at ${sentinels.join(', ')}`;
  }
  if (options?.path) return options.path;
  return options?.host !== undefined ? `${options.host}:${options.port ?? 6379}` : 'the configured Redis';
}

/**
 * The servers that must hold the Lua scripts: every primary of a cluster (a script is cached per server,
 * and a key's script runs on the primary of its slot), or the one server. Replicas promoted later, and
 * primaries added by resharding, get the script through the `NOSCRIPT` fallback on first use.
 */
export function scriptHosts(client: RedisClient): RedisClient[] {
  return isClusterClient(client) ? client.nodes('master') : [client];
}
