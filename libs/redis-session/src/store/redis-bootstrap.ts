import { SessionStoreError } from '../errors/session-store.error.js';
import type { RedisClient } from './lua-script.js';
import { lastErrorOf } from './redis-error-log.js';
import { RedisSessionStore } from './redis-session.store.js';
import { describeClient, isClusterClient, scriptHosts } from './redis-topology.js';
import { withTimeout } from './with-timeout.js';

export { describeClient };

/**
 * Connects a client the module created and loads the scripts, so the first request pays neither. A
 * wrong address, password or TLS setting fails startup here with a clear message (S38) instead of
 * turning every request into a 503.
 */
export async function connectAndPreload(client: RedisClient, owned: boolean, timeoutMs: number): Promise<void> {
  const lastError = lastErrorOf(client);
  try {
    if (owned && client.status === 'wait') await withTimeout(client.connect(), timeoutMs);
    // On a cluster every primary needs the scripts: EVALSHA runs on the primary of the key's slot.
    const loads = scriptHosts(client).flatMap((host) =>
      RedisSessionStore.scripts.map((script) => host.script('LOAD', script.source)),
    );
    await withTimeout(Promise.all(loads), timeoutMs);
  } catch (error) {
    const thrown = error instanceof SessionStoreError && error.cause !== undefined ? error.cause : error;
    // ioredis rejects connect() with a bare "Connection is closed"; the error event before it says why.
    const cause = lastError() ?? thrown;
    if (owned) client.disconnect();
    throw new SessionStoreError(`startup (connecting to ${describeClient(client)})`, cause);
  }
}

/**
 * Closes a client the module created: politely, or at once if Redis does not answer, and resolves when
 * the socket is closed, so nothing of the module outlives the app.
 */
export async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  if (!isClusterClient(client) && SOCKET_CLOSED.has(client.status)) {
    // No open socket (never connected, or waiting to reconnect): nothing to close politely, and ioredis
    // never emits 'end' for such a client, so waiting for it would only hold the app's shutdown for a second.
    client.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  try {
    await withTimeout(client.quit(), 1_000);
    // quit() leaves ioredis' Sentinel failover detector (its subscriptions to the Sentinels) running;
    // disconnect() stops it. Called before the socket has closed, it closes nothing twice.
    if (hasFailoverDetector(client)) client.disconnect();
  } catch {
    client.disconnect();
  }
  await withTimeout(ended, 1_000).catch(() => client.disconnect());
}

/** Statuses of a standalone ioredis client whose socket is already closed. */
const SOCKET_CLOSED: ReadonlySet<string> = new Set(['wait', 'close', 'reconnecting']);

function hasFailoverDetector(client: RedisClient): boolean {
  return !isClusterClient(client) && client.options.failoverDetector === true;
}
