import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { closeClient } from './redis-bootstrap.js';

/** A real ioredis client aimed at a port nothing listens on, retrying the way the module's own clients do. */
async function clientThatNeverConnected(): Promise<Redis> {
  const client = new Redis({
    host: '127.0.0.1',
    port: 1,
    lazyConnect: true,
    enableOfflineQueue: false,
    retryStrategy: () => 100,
  });
  client.on('error', () => undefined);
  await client.connect().catch(() => undefined);
  return client;
}

describe('closeClient', () => {
  it('closes a client that is waiting to reconnect at once, and it never reconnects', async () => {
    const client = await clientThatNeverConnected();
    expect(client.status).toBe('reconnecting');
    let reconnects = 0;
    client.on('reconnecting', () => reconnects++);
    const started = Date.now();
    await closeClient(client);
    // ioredis never emits 'end' for a client whose socket already closed; waiting for it took a second.
    expect(Date.now() - started).toBeLessThan(500);
    await sleep(300);
    expect(reconnects).toBe(0);
  });

  it('closes a client that was never asked to connect', async () => {
    const client = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true });
    await closeClient(client);
    expect(client.status).toBe('end');
  });
});
