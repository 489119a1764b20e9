import { ExpiringMap } from './expiring-map.js';
import type { IndexAddResult } from './session-record.js';
import { userIndexIdOf, type IndexAddOptions } from './session-store.js';

/** When the last "sign out everywhere" took the index, and the one member it spared. */
interface RevocationMark {
  readonly at: number;
  readonly kept: string | undefined;
  readonly expiresAt: number;
}

/** As index-take.lua's mark (`revocationMarkMs`): here a login's record and index entry are written at once. */
const REVOCATION_MARK_MS = 60_000;

interface MemoryIndex {
  /** publicId → absolute deadline (the sorted set's score). */
  readonly members: Map<string, number>;
  /** Stands for the index key's TTL: the latest member's deadline. */
  expiresAt: number;
}

/**
 * The in-memory store's per-user indexes, with the semantics of the Redis sorted sets and of
 * index-add.lua / index-take.lua: members scored by absolute deadline, pruned when written, the limit and
 * the replaced-member check applied in one step, and each index gone once its latest member's deadline is.
 */
export class MemoryUserIndexes {
  private readonly indexes = new ExpiringMap<MemoryIndex>();
  private readonly revocations = new ExpiringMap<RevocationMark>();

  add(userId: string, publicId: string, deadline: number, options: IndexAddOptions, now: number): IndexAddResult {
    // As index-add.lua: no login from before the last "sign out everywhere", but a rotation of the session
    // it spared (a login that replaces nothing is never that one, even when it spared none).
    const revoked = this.revocations.get(userIndexIdOf(userId), now);
    const sparedRotation = options.replaces !== undefined && options.replaces === revoked?.kept;
    if (revoked !== undefined && options.authenticatedAt <= revoked.at && !sparedRotation) {
      return { added: false, refused: 'revoked' };
    }
    const index = this.live(userId, now) ?? { members: new Map<string, number>(), expiresAt: 0 };
    for (const [member, score] of index.members) if (score <= now) index.members.delete(member);
    if (options.replaces !== undefined) {
      // The replaced member must still be there, or the session was signed out meanwhile.
      if (!index.members.has(options.replaces)) return { added: false, refused: 'replaced-gone' };
      index.members.delete(options.replaces);
    }
    const evicted: string[] = [];
    if (options.limit > 0 && !index.members.has(publicId)) {
      const excess = index.members.size - options.limit + 1;
      if (excess > 0 && options.policy !== 'reject') {
        const oldest = [...index.members].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, excess);
        for (const [member] of oldest) {
          index.members.delete(member);
          evicted.push(member);
        }
      } else if (excess > 0 && options.replaces === undefined) {
        // As index-add.lua: under 'reject' only a login that adds a member is refused.
        return { added: false, members: [...index.members.keys()] };
      }
    }
    index.members.set(publicId, deadline);
    index.expiresAt = Math.max(...index.members.values());
    this.indexes.set(userIndexIdOf(userId), index);
    // As index-add.lua: the spared session lives on under its new ID, and the mark spares that one now.
    if (revoked !== undefined && sparedRotation)
      this.revocations.set(userIndexIdOf(userId), { ...revoked, kept: publicId });
    return { added: true, evicted };
  }

  remove(userId: string, publicIds: readonly string[], now: number): void {
    const index = this.live(userId, now);
    if (!index) return;
    for (const publicId of publicIds) index.members.delete(publicId);
    if (index.members.size === 0) this.indexes.delete(userIndexIdOf(userId));
  }

  take(userId: string, keep: string | undefined, now: number): string[] {
    this.revocations.set(userIndexIdOf(userId), { at: now, kept: keep, expiresAt: now + REVOCATION_MARK_MS });
    const index = this.live(userId, now);
    if (!index) return [];
    const taken = [...index.members.keys()].filter((member) => member !== keep);
    this.remove(userId, taken, now);
    return taken;
  }

  members(userId: string, now: number): string[] {
    const index = this.live(userId, now);
    return index ? [...index.members].filter(([, score]) => score > now).map(([member]) => member) : [];
  }

  has(userId: string, publicId: string, now: number): boolean {
    return this.live(userId, now)?.members.has(publicId) === true;
  }

  /** Drops every index whose TTL has run out. */
  sweep(now: number): void {
    this.indexes.sweep(now);
    this.revocations.sweep(now);
  }

  private live(userId: string, now: number): MemoryIndex | undefined {
    return this.indexes.get(userIndexIdOf(userId), now);
  }
}
