import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { idleTimeoutOf, isLiveAt } from '../session/session-liveness.js';
import { dataBytesOf } from './record-fields.js';
import type {
  DeleteOwnedResult,
  EndResult,
  FieldChanges,
  IndexAddResult,
  LoadResult,
  MetadataLookup,
  NewSessionRecord,
  RetireResult,
  SessionDevice,
  SessionForward,
  UpdateResult,
  WrittenTimes,
} from './session-record.js';
import { EXPIRED_GRACE, SessionStore, userIndexIdOf, type IndexAddOptions } from './session-store.js';

/** A clock in milliseconds since the epoch; tests pass their own to move time without waiting. */
export type Clock = () => number;

interface MemoryEntry {
  readonly createdAt: number;
  lastSeenAt: number;
  readonly deadline: number;
  readonly userId: string | undefined;
  readonly authenticatedAt: number | undefined;
  readonly device: SessionDevice;
  readonly fields: Map<string, string>;
  /** Stands for the Redis key's TTL: past it, the entry is gone as if Redis had expired it. */
  expiresAt: number;
}

/** What `retire` leaves behind: where the session went, until `expiresAt`. */
interface MemoryTombstone {
  readonly forward: SessionForward;
  readonly expiresAt: number;
}

interface MemoryIndex {
  /** publicId → absolute deadline (the sorted set's score). */
  readonly members: Map<string, number>;
  /** Stands for the index key's TTL: the latest member's deadline. */
  expiresAt: number;
}

/** Sweep expired entries after this many writes, so abandoned sessions do not pile up in memory. */
const SWEEP_EVERY = 1_000;

/**
 * Sessions in this process's memory, with the Redis store's semantics: the same idle and absolute
 * deadlines, TTL-like expiry, create-only-if-absent and update-only-if-present (no resurrection), and the
 * same per-user index with its atomic limit. For tests and zero-setup demos; sessions are lost on restart
 * and not shared between processes.
 */
export class MemorySessionStore extends SessionStore {
  private readonly entries = new Map<string, MemoryEntry>();
  private readonly indexes = new Map<string, MemoryIndex>();
  private readonly tombstones = new Map<string, MemoryTombstone>();
  private writesSinceSweep = 0;

  constructor(
    private readonly options: ResolvedSessionOptions,
    private readonly clock: Clock = Date.now,
  ) {
    super();
  }

  /** Number of live sessions (for tests and diagnostics). */
  get size(): number {
    this.sweep();
    return this.entries.size;
  }

  load(publicId: string): Promise<LoadResult> {
    const now = this.clock();
    const tombstone = this.liveTombstone(publicId, now);
    if (tombstone !== undefined) return Promise.resolve({ forward: tombstone.forward });
    const entry = this.live(publicId, now);
    if (!entry) return Promise.resolve({ missing: 'unknown' });
    if (!isLiveAt(entry, now, this.options)) {
      this.entries.delete(publicId);
      return Promise.resolve({ missing: 'expired', expiredBy: now >= entry.deadline ? 'absolute' : 'idle' });
    }
    const touchAfter = entry.userId === undefined ? this.options.anonymousTouchAfter : this.options.touchAfter;
    const touched = now - entry.lastSeenAt >= touchAfter;
    if (touched) this.touch(entry, now);
    return Promise.resolve({
      record: {
        createdAt: entry.createdAt,
        lastSeenAt: entry.lastSeenAt,
        deadline: entry.deadline,
        userId: entry.userId,
        authenticatedAt: entry.authenticatedAt,
        device: entry.device,
        // A copy, as a store over the network would hand out.
        fields: new Map(entry.fields),
        now,
        touched,
      },
    });
  }

  create(publicId: string, record: NewSessionRecord): Promise<WrittenTimes | undefined> {
    const now = this.clock();
    if (this.live(publicId, now) || this.liveTombstone(publicId, now)) return Promise.resolve(undefined);
    const createdAt = record.createdAt ?? now;
    const deadline = record.deadline ?? createdAt + this.options.absoluteTimeout;
    if (now >= deadline) return Promise.resolve(undefined);
    const authenticatedAt = record.userId === undefined ? undefined : (record.authenticatedAt ?? now);
    const entry: MemoryEntry = {
      createdAt,
      lastSeenAt: now,
      deadline,
      userId: record.userId,
      authenticatedAt,
      device: { ...record.device },
      fields: new Map(record.fields),
      expiresAt: 0,
    };
    this.touch(entry, now);
    this.entries.set(publicId, entry);
    this.afterWrite();
    return Promise.resolve({ now, createdAt, lastSeenAt: now, deadline, authenticatedAt });
  }

  update(publicId: string, changes: FieldChanges): Promise<UpdateResult> {
    const now = this.clock();
    const tombstone = this.liveTombstone(publicId, now);
    if (tombstone !== undefined) return Promise.resolve({ written: false, forward: tombstone.forward });
    const entry = this.live(publicId, now);
    if (!entry) return Promise.resolve({ written: false });
    if (!isLiveAt(entry, now, this.options)) {
      this.entries.delete(publicId);
      return Promise.resolve({ written: false });
    }
    const next = new Map(entry.fields);
    for (const [key, json] of changes.set) next.set(key, json);
    for (const key of changes.remove) next.delete(key);
    const before = dataBytesOf(entry.fields);
    const after = dataBytesOf(next);
    // As update-session.lua: only a write that grows the data can be refused.
    if (after > before && after > this.options.maxSessionBytes) {
      return Promise.resolve({ written: false, tooLarge: after });
    }
    entry.fields.clear();
    for (const [key, json] of next) entry.fields.set(key, json);
    this.touch(entry, now);
    this.afterWrite();
    return Promise.resolve({ written: true });
  }

  delete(publicId: string): Promise<boolean> {
    const existed = this.live(publicId, this.clock()) !== undefined;
    this.entries.delete(publicId);
    return Promise.resolve(existed);
  }

  end(publicId: string): Promise<EndResult> {
    const now = this.clock();
    const tombstone = this.liveTombstone(publicId, now);
    if (tombstone !== undefined) return Promise.resolve({ movedTo: tombstone.forward.to });
    const existed = this.live(publicId, now) !== undefined;
    this.entries.delete(publicId);
    return Promise.resolve(existed ? 'ended' : 'absent');
  }

  retire(
    publicId: string,
    successor: string,
    successorUserId: string | undefined,
    graceMs: number,
  ): Promise<RetireResult> {
    const now = this.clock();
    const tombstone = this.liveTombstone(publicId, now);
    if (tombstone !== undefined) return Promise.resolve({ retired: false, movedTo: tombstone.forward.to });
    const entry = this.live(publicId, now);
    if (!entry) return Promise.resolve({ retired: false });
    this.entries.delete(publicId);
    if (!isLiveAt(entry, now, this.options)) return Promise.resolve({ retired: false });
    if (graceMs > 0) {
      this.tombstones.set(publicId, {
        forward: { to: successor, formerUserId: entry.userId, userId: successorUserId },
        expiresAt: now + graceMs,
      });
    }
    return Promise.resolve({ retired: true, fields: new Map(entry.fields) });
  }

  deleteOwned(publicId: string, userId: string): Promise<DeleteOwnedResult> {
    const now = this.clock();
    const forward = this.liveTombstone(publicId, now)?.forward;
    if (forward !== undefined) {
      const sameUser = forward.formerUserId === userId && forward.userId === userId;
      return Promise.resolve(sameUser ? { deleted: false, movedTo: forward.to } : { deleted: false });
    }
    const entry = this.live(publicId, now);
    if (entry?.userId !== userId) return Promise.resolve({ deleted: false });
    this.entries.delete(publicId);
    return Promise.resolve({ deleted: true });
  }

  readMetadata(publicIds: readonly string[]): Promise<MetadataLookup[]> {
    const now = this.clock();
    return Promise.resolve(
      publicIds.map((publicId): MetadataLookup => {
        if (this.liveTombstone(publicId, now)) return 'moving';
        const entry = this.live(publicId, now);
        if (!entry) return undefined;
        const { createdAt, lastSeenAt, deadline, userId, device } = entry;
        return { createdAt, lastSeenAt, deadline, userId, device };
      }),
    );
  }

  indexAdd(userId: string, publicId: string, deadline: number, options: IndexAddOptions): Promise<IndexAddResult> {
    const now = this.clock();
    const index = this.liveIndex(userId, now) ?? { members: new Map<string, number>(), expiresAt: 0 };
    for (const [member, score] of index.members) if (score <= now) index.members.delete(member);
    if (options.replaces !== undefined) {
      // As index-add.lua: the replaced member must still be there, or the session was signed out meanwhile.
      if (!index.members.has(options.replaces)) return Promise.resolve({ added: false, replacedGone: true });
      index.members.delete(options.replaces);
    }
    const evicted: string[] = [];
    if (options.limit > 0 && !index.members.has(publicId)) {
      const excess = index.members.size - options.limit + 1;
      if (excess > 0) {
        if (options.policy === 'reject') return Promise.resolve({ added: false, members: [...index.members.keys()] });
        const oldest = [...index.members].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, excess);
        for (const [member] of oldest) {
          index.members.delete(member);
          evicted.push(member);
        }
      }
    }
    index.members.set(publicId, deadline);
    index.expiresAt = Math.max(...index.members.values());
    this.indexes.set(userIndexIdOf(userId), index);
    return Promise.resolve({ added: true, evicted });
  }

  indexRemove(userId: string, publicIds: readonly string[]): Promise<void> {
    const index = this.liveIndex(userId, this.clock());
    if (index) {
      for (const publicId of publicIds) index.members.delete(publicId);
      if (index.members.size === 0) this.indexes.delete(userIndexIdOf(userId));
    }
    return Promise.resolve();
  }

  indexTake(userId: string, keep?: string): Promise<string[]> {
    const index = this.liveIndex(userId, this.clock());
    if (!index) return Promise.resolve([]);
    const taken = [...index.members.keys()].filter((member) => member !== keep);
    for (const member of taken) index.members.delete(member);
    if (index.members.size === 0) this.indexes.delete(userIndexIdOf(userId));
    return Promise.resolve(taken);
  }

  indexMembers(userId: string): Promise<string[]> {
    const now = this.clock();
    const index = this.liveIndex(userId, now);
    return Promise.resolve(
      index ? [...index.members].filter(([, score]) => score > now).map(([member]) => member) : [],
    );
  }

  indexHas(userId: string, publicId: string): Promise<boolean> {
    return Promise.resolve(this.liveIndex(userId, this.clock())?.members.has(publicId) === true);
  }

  /** The entry if its TTL has not run out; an expired one is dropped, as Redis drops the key. */
  private live(publicId: string, now: number): MemoryEntry | undefined {
    const entry = this.entries.get(publicId);
    if (entry && now >= entry.expiresAt) {
      this.entries.delete(publicId);
      return undefined;
    }
    return entry;
  }

  /** The tombstone a rotation left, if its grace period has not run out. */
  private liveTombstone(publicId: string, now: number): MemoryTombstone | undefined {
    const tombstone = this.tombstones.get(publicId);
    if (tombstone !== undefined && now >= tombstone.expiresAt) {
      this.tombstones.delete(publicId);
      return undefined;
    }
    return tombstone;
  }

  private liveIndex(userId: string, now: number): MemoryIndex | undefined {
    const id = userIndexIdOf(userId);
    const index = this.indexes.get(id);
    if (index && now >= index.expiresAt) {
      this.indexes.delete(id);
      return undefined;
    }
    return index;
  }

  private touch(entry: MemoryEntry, now: number): void {
    entry.lastSeenAt = now;
    const idle = idleTimeoutOf(entry.userId, this.options);
    entry.expiresAt = now + Math.min(idle + EXPIRED_GRACE, entry.deadline - now);
  }

  private afterWrite(): void {
    if (++this.writesSinceSweep >= SWEEP_EVERY) this.sweep();
  }

  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = this.clock();
    for (const [publicId, entry] of this.entries) if (now >= entry.expiresAt) this.entries.delete(publicId);
    for (const [id, index] of this.indexes) if (now >= index.expiresAt) this.indexes.delete(id);
    for (const [id, tombstone] of this.tombstones) if (now >= tombstone.expiresAt) this.tombstones.delete(id);
  }
}
