import type { RedisClient } from './lua-script.js';
import { indexAddResultOf, SCRIPTS } from './redis-scripts.js';
import type { IndexAddResult } from './session-record.js';
import { userIndexIdOf, type IndexAddOptions } from './session-store.js';

/**
 * The Redis store's per-user indexes: one sorted set per user at `<keyPrefix>u:{<SHA-256 of the user ID>}`
 * (member: publicId, score: absolute deadline), and beside it, in the same slot, the revocation mark a
 * "sign out everywhere" leaves at `<keyPrefix>r:{<same>}`.
 */
export class RedisUserIndexes {
  constructor(
    private readonly client: RedisClient,
    private readonly keyPrefix: string,
    /** How the store bounds a command and reports its failure (see `RedisSessionStore`). */
    private readonly call: <T>(pending: Promise<T>) => Promise<T>,
    /** How long a "sign out everywhere" keeps refusing logins from before it (see `revocationMarkMs`). */
    private readonly revocationMarkMs: number,
  ) {}

  /** The Redis key of a user's index. */
  keyOf(userId: string): string {
    return `${this.keyPrefix}u:{${userIndexIdOf(userId)}}`;
  }

  /**
   * The keys of a user's index and of its revocation mark, which sits beside it in the same slot (same
   * hash tag), as index-add.lua and index-take.lua take them.
   */
  keysOf(userId: string): [index: string, mark: string] {
    const id = userIndexIdOf(userId);
    return [`${this.keyPrefix}u:{${id}}`, `${this.keyPrefix}r:{${id}}`];
  }

  /** Runs index-add.lua: adds the session under the per-user limit, swapping out the one it replaces. */
  async add(userId: string, publicId: string, deadline: number, options: IndexAddOptions): Promise<IndexAddResult> {
    const reply = await this.call(
      SCRIPTS.indexAdd.run(this.client, this.keysOf(userId), [
        publicId,
        deadline,
        options.limit,
        options.policy,
        options.replaces ?? '',
        options.authenticatedAt,
      ]),
    );
    return indexAddResultOf(reply);
  }

  async remove(userId: string, publicIds: readonly string[]): Promise<void> {
    if (publicIds.length === 0) return;
    await this.call(this.client.zrem(this.keyOf(userId), ...publicIds));
  }

  /** Runs index-take.lua: removes and returns every member but `keep`, in one step, leaving the mark. */
  async take(userId: string, keep?: string): Promise<string[]> {
    const keys = this.keysOf(userId);
    return (await this.call(SCRIPTS.indexTake.run(this.client, keys, [keep ?? '', this.revocationMarkMs]))) as string[];
  }

  /** The members whose deadline (their score) is after `now`, the server's time. */
  async members(userId: string, now: number): Promise<string[]> {
    return this.call(this.client.zrangebyscore(this.keyOf(userId), `(${now}`, '+inf'));
  }

  async has(userId: string, publicId: string): Promise<boolean> {
    return (await this.call(this.score(userId, publicId))) !== null;
  }

  /** The member's score (its deadline), `null` when it is not a member; unbounded (the caller bounds it). */
  score(userId: string, publicId: string): Promise<string | null> {
    return this.client.zscore(this.keyOf(userId), publicId);
  }
}
