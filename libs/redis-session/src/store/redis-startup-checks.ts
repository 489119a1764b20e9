import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { messageOf } from '../errors/error-message.js';
import { SessionStoreError } from '../errors/session-store.error.js';
import type { RedisClient } from './lua-script.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { SCRIPTS } from './redis-scripts.js';
import { withTimeout } from './with-timeout.js';

/**
 * Every command the module sends under the key prefix, directly or from its scripts: what a least-privilege
 * Redis ACL user needs (S37). `WAIT` only with `waitForReplicas`; `PING` and `SCRIPT EXISTS` only for the
 * health indicator; `CONFIG GET` is optional (see `warnAboutEviction`); `INFO` is ioredis's own ready check. A unit spec keeps the list true to the code.
 */
export const REDIS_COMMANDS_NEEDED: readonly string[] = [
  'EVALSHA',
  'EVAL',
  'SCRIPT LOAD',
  'TIME',
  'HGETALL',
  'HGET',
  'HMGET',
  'HSET',
  'HSTRLEN',

  'HDEL',
  'EXISTS',
  'DEL',
  'UNLINK',
  'PEXPIREAT',
  'ZADD',
  'ZCARD',
  'ZPOPMIN',
  'ZRANGE',
  'ZRANGEBYSCORE',
  'ZREM',
  'ZREMRANGEBYSCORE',
  'ZSCORE',
  'GET',
  'SET',
  'INFO',
  'WAIT',
  'PING',
  'SCRIPT EXISTS',
];

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
        `${REDIS_COMMANDS_NEEDED.join(', ')} on the prefix's keys)`,
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
