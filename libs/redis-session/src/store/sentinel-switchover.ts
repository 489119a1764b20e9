import { Redis, type NatMap, type RedisOptions } from 'ioredis';

/** Where a `+switch-master` message says the group's primary now is. */
interface Address {
  host: string;
  port: number;
}

/** The address the client would connect to for `address`, after the app's `natMap`. */
function mapped(address: Address, natMap: NatMap | undefined): Address {
  const key = `${address.host}:${address.port}`;
  const found = typeof natMap === 'function' ? natMap(key) : natMap?.[key];
  return found ? { host: found.host, port: found.port } : address;
}

/**
 * Moves a Sentinel-managed client to the new primary as soon as a Sentinel announces a failover
 * (`+switch-master`), even when the old primary is still up and still accepts writes: after a
 * switchover, or before the Sentinels demote a primary that comes back, writes sent there are lost
 * when it resyncs as a replica. A client already on the announced primary stays where it is (each
 * Sentinel announces the same switch, at its own moment), and so does one that is reconnecting.
 *
 * ioredis' own `failoverDetector` reconnects on every announcement, so a client that had already found
 * the new primary drops it again (a second burst of errors), and `quit()` leaves its subscriptions open.
 *
 * The subscriptions live as long as the client: they close when it ends.
 */
export function followSwitchovers(client: Redis): void {
  const options: RedisOptions = client.options;
  const sentinels = options.sentinels ?? [];
  if (sentinels.length === 0 || !options.name) return;
  const name = options.name;
  let watchers: Redis[] | undefined;

  const onMessage = (_channel: string, message: string): void => {
    const [group, , , host, port] = message.split(' ');
    if (group !== name || host === undefined || port === undefined) return;
    // A client that is not connected is already looking for the primary (its reconnect asks the
    // Sentinels); interrupting that attempt would only delay it.
    if (client.status !== 'ready') return;
    const target = mapped({ host, port: Number(port) }, options.natMap);
    const stream = client.stream as { remoteAddress?: string; remotePort?: number } | undefined;
    if (stream?.remoteAddress === target.host && stream.remotePort === target.port) return;
    client.disconnect(true);
  };

  client.once('ready', () => {
    if (client.status === 'end') return;
    watchers = sentinels.map((sentinel) => {
      const watcher = new Redis({
        host: sentinel.host ?? '127.0.0.1',
        port: sentinel.port ?? 26379,
        family: sentinel.family,
        username: options.sentinelUsername,
        password: options.sentinelPassword,
        tls: options.enableTLSForSentinelMode ? options.sentinelTLS : undefined,
        connectTimeout: options.connectTimeout,
        // A Sentinel that is down is retried in the background; the others still announce.
        retryStrategy: (attempt: number) => Math.min(attempt * 500, 5_000),
        enableReadyCheck: false,
        maxRetriesPerRequest: null,
      });
      watcher.on('error', () => undefined);
      watcher.on('message', onMessage);
      void watcher.subscribe('+switch-master').catch(() => undefined);
      return watcher;
    });
  });
  client.once('end', () => {
    for (const watcher of watchers ?? []) watcher.disconnect();
    watchers = [];
  });
}
