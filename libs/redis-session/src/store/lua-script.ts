import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { messageOf } from '../errors/error-message.js';

/**
 * ioredis flattens an array argument into the command; its typings list that form only with a callback.
 */
type ArrayCall = (script: string, numKeys: number, keysAndArgs: (string | number)[]) => Promise<unknown>;

/** A Redis client of either kind; both run scripts the same way. */
export type RedisClient = Redis | Cluster;

/**
 * A Lua script from a `.lua` file beside this one, run with `EVALSHA` (the source travels once) and
 * re-sent with `EVAL` when the server has forgotten it (a restart or `SCRIPT FLUSH`).
 */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(readonly fileName: string) {
    this.source = readFileSync(new URL(`./lua/${fileName}`, import.meta.url), 'utf8');
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /** Runs the script on one key (every script here touches a single key, so a single cluster slot). */
  async run(client: RedisClient, key: string, args: readonly (string | number)[]): Promise<unknown> {
    try {
      // One array, not spread arguments: a call can take only so many arguments (about 120,000 in V8),
      // and a save of tens of thousands of keys would turn into a confusing 503.
      return await (client.evalsha as ArrayCall).call(client, this.sha, 1, [key, ...args]);
    } catch (error) {
      if (messageOf(error).startsWith('NOSCRIPT')) {
        return (client.eval as ArrayCall).call(client, this.source, 1, [key, ...args]);
      }
      throw error;
    }
  }
}
