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
  TombstoneTimes,
  TouchResult,
  UpdateResult,
  WrittenTimes,
} from './session-record.js';
import { ExpiringMap } from './expiring-map.js';
import type { Clock, MemoryEntry } from './memory-entry.js';
import { MemoryTombstones } from './memory-tombstones.js';
import { MemoryUserIndexes } from './memory-user-indexes.js';
import { EXPIRED_GRACE, SessionStore, type IndexAddOptions } from './session-store.js';

/** Sweep expired entries after this many writes, so abandoned sessions do not pile up in memory. */
const SWEEP_EVERY = 1_000;

/**
 * Sessions in this process's memory, with the Redis store's semantics: the same idle and absolute
 * deadlines, TTL-like expiry, create-only-if-absent and update-only-if-present (no resurrection), and the
 * same per-user index with its atomic limit. For tests and zero-setup demos; sessions are lost on restart
 * and not shared between processes.
 */
export class MemorySessionStore extends SessionStore {
  private entries = new ExpiringMap<MemoryEntry>();
  private indexes = new MemoryUserIndexes();
  private tombstones = new MemoryTombstones<MemoryEntry>();
  private writesSinceSweep = 0;

  constructor(
    private readonly options: ResolvedSessionOptions,
    private readonly clock: Clock = Date.now,
  ) {
    super();
  }

  /** Number of live sessions (for tests and diagnostics). */
  get size(): number {
    return this.sweep();
  }

  /** Forgets every session, index and tombstone, as `FLUSHALL` would (for tests). */
  clear(): void {
    this.entries = new ExpiringMap<MemoryEntry>();
    this.indexes = new MemoryUserIndexes();
    this.tombstones = new MemoryTombstones<MemoryEntry>();
  }

  load(publicId: string): Promise<LoadResult> {
    const now = this.clock();
    const forward = this.tombstones.forwardOf(publicId, now);
    if (forward !== undefined) return Promise.resolve({ forward });
    const entry = this.entries.get(publicId, now);
    if (!entry) return Promise.resolve({ missing: 'unknown' });
    if (!isLiveAt(entry, now, this.options)) {
      this.entries.delete(publicId);
      return Promise.resolve({ missing: 'expired', expiredBy: now >= entry.deadline ? 'absolute' : 'idle' });
    }
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
      },
    });
  }

  touch(publicId: string, userId: string | undefined): Promise<TouchResult> {
    const now = this.clock();
    // As RedisSessionStore: a refresh of a signed-in session also asks its index.
    const indexed = userId === undefined ? undefined : this.indexes.has(userId, publicId, now);
    const entry = this.entries.get(publicId, now);
    if (!entry || !isLiveAt(entry, now, this.options)) {
      const moved = !entry && this.tombstones.movedTo(publicId, now) !== undefined;
      return Promise.resolve({ touched: false, gone: true, moved, indexed });
    }
    this.expire(entry, now);
    return Promise.resolve({ touched: true, lastSeenAt: now, indexed });
  }

  create(publicId: string, record: NewSessionRecord): Promise<WrittenTimes | undefined> {
    const now = this.clock();
    if (this.entries.get(publicId, now) || this.tombstones.movedTo(publicId, now)) return Promise.resolve(undefined);
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
    this.expire(entry, now);
    this.entries.set(publicId, entry);
    this.afterWrite();
    return Promise.resolve({ now, createdAt, lastSeenAt: now, deadline, authenticatedAt });
  }

  update(publicId: string, changes: FieldChanges): Promise<UpdateResult> {
    const now = this.clock();
    const forward = this.tombstones.forwardOf(publicId, now);
    if (forward !== undefined) return Promise.resolve({ written: false, forward });
    const entry = this.entries.get(publicId, now);
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
    this.expire(entry, now);
    this.afterWrite();
    return Promise.resolve({ written: true });
  }

  delete(publicId: string): Promise<boolean> {
    const existed = this.entries.get(publicId, this.clock()) !== undefined;
    this.entries.delete(publicId);
    return Promise.resolve(existed);
  }

  end(publicId: string): Promise<EndResult> {
    const now = this.clock();
    const movedTo = this.tombstones.movedTo(publicId, now);
    if (movedTo !== undefined) return Promise.resolve({ movedTo });
    const existed = this.entries.get(publicId, now) !== undefined;
    this.entries.delete(publicId);
    return Promise.resolve(existed ? 'ended' : 'absent');
  }

  retire(
    publicId: string,
    successor: string,
    successorUserId: string | undefined,
    times: TombstoneTimes,
  ): Promise<RetireResult> {
    const now = this.clock();
    const movedTo = this.tombstones.movedTo(publicId, now);
    if (movedTo !== undefined) return Promise.resolve({ retired: false, movedTo });
    const entry = this.entries.get(publicId, now);
    if (!entry) return Promise.resolve({ retired: false });
    this.entries.delete(publicId);
    if (!isLiveAt(entry, now, this.options)) return Promise.resolve({ retired: false });
    const forward = { to: successor, formerUserId: entry.userId, userId: successorUserId };
    this.tombstones.leave(publicId, forward, entry, times, entry.deadline, now);
    // The snapshot is for the Redis store; this store keeps the entry itself in the tombstone.
    return Promise.resolve({ retired: true, fields: new Map(entry.fields), snapshot: [] });
  }

  restore(publicId: string, successor: string): Promise<boolean> {
    const now = this.clock();
    const entry = this.tombstones.restore(publicId, successor, now);
    if (entry === undefined) return Promise.resolve(false);
    // As restore-session.lua: the TTL the record had, from its last refresh.
    this.expire(entry);
    this.entries.set(publicId, entry);
    return Promise.resolve(true);
  }

  deleteOwned(publicId: string, userId: string): Promise<DeleteOwnedResult> {
    const now = this.clock();
    const forward = this.tombstones.revokedFrom(publicId, userId, now);
    if (forward !== undefined) {
      const sameUser = forward.formerUserId === userId && forward.userId === userId;
      return Promise.resolve(sameUser ? { deleted: false, movedTo: forward.to } : { deleted: false });
    }
    const entry = this.entries.get(publicId, now);
    if (entry?.userId !== userId) return Promise.resolve({ deleted: false });
    this.entries.delete(publicId);
    return Promise.resolve({ deleted: true });
  }

  readMetadata(publicIds: readonly string[]): Promise<MetadataLookup[]> {
    const now = this.clock();
    return Promise.resolve(
      publicIds.map((publicId): MetadataLookup => {
        if (this.tombstones.movedTo(publicId, now) !== undefined) return 'moving';
        const entry = this.entries.get(publicId, now);
        if (!entry) return undefined;
        const { createdAt, lastSeenAt, deadline, userId, device } = entry;
        return { createdAt, lastSeenAt, deadline, userId, device };
      }),
    );
  }

  indexAdd(userId: string, publicId: string, deadline: number, options: IndexAddOptions): Promise<IndexAddResult> {
    return Promise.resolve(this.indexes.add(userId, publicId, deadline, options, this.clock()));
  }

  indexRemove(userId: string, publicIds: readonly string[]): Promise<void> {
    this.indexes.remove(userId, publicIds, this.clock());
    return Promise.resolve();
  }

  indexTake(userId: string, keep?: string): Promise<string[]> {
    return Promise.resolve(this.indexes.take(userId, keep, this.clock()));
  }

  now(): number {
    return this.clock();
  }

  indexMembers(userId: string): Promise<string[]> {
    return Promise.resolve(this.indexes.members(userId, this.clock()));
  }

  indexHas(userId: string, publicId: string): Promise<boolean> {
    return Promise.resolve(this.indexes.has(userId, publicId, this.clock()));
  }

  /** Stands for the key's TTL: idle deadline and grace from the last refresh (`refreshedAt`), never past the deadline. */
  private expire(entry: MemoryEntry, refreshedAt = entry.lastSeenAt): void {
    entry.lastSeenAt = refreshedAt;
    const idle = idleTimeoutOf(entry.userId, this.options);
    entry.expiresAt = Math.min(entry.lastSeenAt + idle + EXPIRED_GRACE, entry.deadline);
  }

  private afterWrite(): void {
    if (++this.writesSinceSweep >= SWEEP_EVERY) this.sweep();
  }

  /** Drops whatever has expired; resolves how many records are left. */
  private sweep(): number {
    this.writesSinceSweep = 0;
    const now = this.clock();
    this.indexes.sweep(now);
    this.tombstones.sweep(now);
    return this.entries.sweep(now);
  }
}
