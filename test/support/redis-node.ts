import { Redis } from 'ioredis';

/** A loopback address, as ioredis and the `redis` option take it. */
export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Runs `run` on a fresh connection to one server and closes it. Short-lived on purpose: the harnesses
 * stop and start servers, and a long-lived inspection client would need its own reconnect handling.
 * Fails within `timeoutMs` when the server does not answer.
 */
export async function onNode<T>(port: number, run: (client: Redis) => Promise<T>, timeoutMs = 2_000): Promise<T> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await run(client);
  } finally {
    // A socket that is already closed would leave ioredis' two-second disconnect timer running.
    if (client.status !== 'end') client.disconnect();
  }
}

/** One `key:value` field of an `INFO` section. */
export function infoField(info: string, field: string): string | undefined {
  const line = info.split(/\r?\n/).find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim();
}
