import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { messageOf } from '../errors/error-message.js';
import { SessionStoreError } from '../errors/session-store.error.js';
import type { RedisClient } from './lua-script.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { SCRIPTS } from './redis-scripts.js';
import { withTimeout } from './with-timeout.js';

/**
 * Reads a key under the prefix that no session can have (`{startup-check}` is not a public ID) the way a
 * request does, and runs a script on it (touch-session.lua, which finds nothing there and writes nothing),
 * straight on the client so telemetry does not count it. A Redis user without `HGETALL` or `EVALSHA`, or
 * whose key pattern does not cover the prefix, then fails startup with a clear error instead of turning
 * every request into a 503 (S37).
 */
export async function checkPermissions(client: RedisClient, options: ResolvedSessionOptions): Promise<void> {
  const key = `${options.keyPrefix}{startup-check}`;
  try {
    await withTimeout(
      Promise.all([client.hgetall(key), SCRIPTS.touch.run(client, key, [1_000, 1_000, 0])]),
      options.commandTimeout,
    );
  } catch (error) {
    const cause = error instanceof SessionStoreError && error.cause !== undefined ? error.cause : error;
    throw new SessionStoreError(
      `startup (reading a session and running the session scripts under the key prefix; the Redis user needs ` +
        `HGETALL, EVALSHA, EVAL, UNLINK, HMGET, ZRANGEBYSCORE, ZREM, ZSCORE and SCRIPT on the prefix's keys)`,
      cause,
    );
  }
}

/**
 * Warns when Redis may evict keys that have no TTL ahead of session records (S39). Only a warning: an
 * evicted session is simply signed out, never misread. Silent when `CONFIG` is refused (managed Redis, a
 * least-privilege user): the check is optional.
 */
export async function warnAboutEviction(client: RedisClient, logger: Logger): Promise<void> {
  try {
    const reply = await (client as Redis).config('GET', 'maxmemory-policy');
    const policy = reply[1] ?? '';
    if (policy.startsWith('allkeys-')) {
      logger.warn(
        `Redis maxmemory-policy is ${policy}: under memory pressure it can evict sessions as readily as cache ` +
          `keys. Prefer noeviction or a volatile-* policy for a Redis that holds sessions.`,
      );
    }
  } catch (error) {
    logger.debug(`could not read maxmemory-policy (${messageOf(error)}); eviction check skipped`);
  }
}
