import type { Redis } from 'ioredis';
import { SessionStoreError } from '../errors/session-store.error.js';
import type { RedisClient } from './lua-script.js';
import { lastErrorOf } from './redis-error-log.js';
import { RedisSessionRepository } from './redis-session.repository.js';
import { withTimeout } from './with-timeout.js';

/** Where a client points, for messages: never the password. */
export function describeClient(client: RedisClient): string {
  const options = (client as Redis).options as { host?: string; port?: number; path?: string } | undefined;
  if (options?.path) return options.path;
  return options?.host !== undefined ? `${options.host}:${options.port ?? 6379}` : 'the configured Redis';
}

/**
 * Connects a client the module created and loads the scripts, so the first request pays neither. A
 * wrong address, password or TLS setting fails startup here with a clear message (S38) instead of
 * turning every request into a 503.
 */
export async function connectAndPreload(client: RedisClient, owned: boolean, timeoutMs: number): Promise<void> {
  const lastError = lastErrorOf(client);
  try {
    if (owned && client.status === 'wait') await withTimeout(client.connect(), timeoutMs);
    await withTimeout(
      Promise.all(RedisSessionRepository.scripts.map((script) => client.script('LOAD', script.source))),
      timeoutMs,
    );
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
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  try {
    await withTimeout(client.quit(), 1_000);
  } catch {
    client.disconnect();
  }
  await withTimeout(ended, 1_000).catch(() => client.disconnect());
}
