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

/** What every script starts with (lua/prelude.lua): the helpers that tell Redis trouble from an answer. */
const PRELUDE = readLuaFile('prelude.lua');

function readLuaFile(fileName: string): string {
  return readFileSync(new URL(`./lua/${fileName}`, import.meta.url), 'utf8');
}

/**
 * A Lua script from a `.lua` file beside this one, after the shared prelude, run with `EVALSHA` (the
 * source travels once) and re-sent with `EVAL` when the server has forgotten it (a restart or
 * `SCRIPT FLUSH`). A script may call others whole, as functions: each named file's text becomes the body
 * of `local function <name>(KEYS, ARGV)`, ahead of the script's own text, so no Lua is written twice.
 */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(
    readonly fileName: string,
    /** Other scripts this one calls, by the function name it calls them with. */
    functions: Readonly<Record<string, string>> = {},
  ) {
    const called = Object.entries(functions).map(
      ([name, file]) => `local function ${name}(KEYS, ARGV)\n${readLuaFile(file)}\nend\n`,
    );
    this.source = PRELUDE + called.join('') + readLuaFile(fileName);
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /**
   * Runs the script on its key, or keys: every script here touches one cluster slot (a session's record,
   * or a user's index with its revocation mark, which share a hash tag).
   */
  async run(
    client: RedisClient,
    keys: string | readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    const keyList = typeof keys === 'string' ? [keys] : keys;
    // One array, not spread arguments: a call can take only so many arguments (about 120,000 in V8),
    // and a save of tens of thousands of keys would turn into a confusing 503.
    const keysAndArgs = [...keyList, ...args];
    try {
      return await (client.evalsha as ArrayCall).call(client, this.sha, keyList.length, keysAndArgs);
    } catch (error) {
      if (messageOf(error).startsWith('NOSCRIPT')) {
        return (client.eval as ArrayCall).call(client, this.source, keyList.length, keysAndArgs);
      }
      throw error;
    }
  }
}
