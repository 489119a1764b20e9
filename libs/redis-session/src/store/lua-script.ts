import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { messageOf } from '../errors/error-message.js';

/** A Redis client of either kind; both run scripts the same way. */
export type RedisClient = Redis | Cluster;

/**
 * A Lua script from a `.lua` file beside this one, run with `EVALSHA` (the source travels once) and
 * re-sent with `EVAL` when the server has forgotten it (a restart or `SCRIPT FLUSH`).
 */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(fileName: string) {
    this.source = readFileSync(new URL(`./lua/${fileName}`, import.meta.url), 'utf8');
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /** Runs the script on one key (every script here touches a single key, so a single cluster slot). */
  async run(client: RedisClient, key: string, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, 1, key, ...args);
    } catch (error) {
      if (messageOf(error).startsWith('NOSCRIPT')) {
        return client.eval(this.source, 1, key, ...args);
      }
      throw error;
    }
  }
}
