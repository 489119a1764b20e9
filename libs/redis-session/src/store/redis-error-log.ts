import { Logger } from '@nestjs/common';
import type { RedisClient } from './lua-script.js';

/** The same connection error is logged at most once per this many milliseconds. */
const REPEAT_AFTER = 30_000;

/**
 * Logs a created client's connection errors through Nest's logger, without repeats. Without an `error`
 * listener ioredis prints every failed reconnect attempt to stderr itself; the requests that hit the
 * outage already get a 503.
 */
export function logConnectionErrors(client: RedisClient, logger = new Logger('RedisSession')): void {
  const lastLogged = new Map<string, number>();
  client.on('error', (error: Error) => {
    const now = Date.now();
    const previous = lastLogged.get(error.message);
    if (previous !== undefined && now - previous < REPEAT_AFTER) return;
    lastLogged.set(error.message, now);
    logger.warn(`Redis connection error: ${error.message}`);
  });
}

/** Remembers the last `error` event, so a failed startup can say why ("Connection is closed" does not). */
export function lastErrorOf(client: RedisClient): () => Error | undefined {
  let last: Error | undefined;
  client.on('error', (error: Error) => {
    last = error;
  });
  return () => last;
}
