import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { FieldChanges, LoadResult, NewSessionRecord, WrittenTimes } from './session-record.js';
import { SessionRepository } from './session.repository.js';

/** A clock in milliseconds since the epoch; tests pass their own to move time without waiting. */
export type Clock = () => number;

interface MemoryEntry {
  readonly createdAt: number;
  lastSeenAt: number;
  readonly deadline: number;
  readonly userId: string | undefined;
  readonly authenticatedAt: number | undefined;
  readonly fields: Map<string, string>;
  /** Stands for the Redis key's TTL: past it, the entry is gone as if Redis had expired it. */
  expiresAt: number;
}

/** Sweep expired entries after this many writes, so abandoned sessions do not pile up in memory. */
const SWEEP_EVERY = 1_000;

/**
 * Sessions in this process's memory, with the Redis store's semantics: the same idle and absolute
 * deadlines, TTL-like expiry, create-only-if-absent and update-only-if-present (no resurrection).
 * For tests and zero-setup demos; sessions are lost on restart and not shared between processes.
 */
export class MemorySessionRepository extends SessionRepository {
  private readonly entries = new Map<string, MemoryEntry>();
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
    const entry = this.live(publicId, now);
    if (!entry) return Promise.resolve({ missing: 'unknown' });
    if (now >= entry.deadline || now >= entry.lastSeenAt + this.options.idleTimeout) {
      this.entries.delete(publicId);
      return Promise.resolve({ missing: 'expired' });
    }
    const touched = now - entry.lastSeenAt >= this.options.touchAfter;
    if (touched) this.touch(entry, now);
    return Promise.resolve({
      record: {
        createdAt: entry.createdAt,
        lastSeenAt: entry.lastSeenAt,
        deadline: entry.deadline,
        userId: entry.userId,
        authenticatedAt: entry.authenticatedAt,
        // A copy, as a store over the network would hand out.
        fields: new Map(entry.fields),
        now,
        touched,
      },
    });
  }

  create(publicId: string, record: NewSessionRecord): Promise<WrittenTimes | undefined> {
    const now = this.clock();
    if (this.live(publicId, now)) return Promise.resolve(undefined);
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
      fields: new Map(record.fields),
      expiresAt: 0,
    };
    this.touch(entry, now);
    this.entries.set(publicId, entry);
    this.afterWrite();
    return Promise.resolve({ now, createdAt, lastSeenAt: now, deadline, authenticatedAt });
  }

  update(publicId: string, changes: FieldChanges): Promise<boolean> {
    const now = this.clock();
    const entry = this.live(publicId, now);
    if (!entry) return Promise.resolve(false);
    if (now >= entry.deadline || now >= entry.lastSeenAt + this.options.idleTimeout) {
      this.entries.delete(publicId);
      return Promise.resolve(false);
    }
    for (const [key, json] of changes.set) entry.fields.set(key, json);
    for (const key of changes.remove) entry.fields.delete(key);
    this.touch(entry, now);
    this.afterWrite();
    return Promise.resolve(true);
  }

  delete(publicId: string): Promise<boolean> {
    const existed = this.live(publicId, this.clock()) !== undefined;
    this.entries.delete(publicId);
    return Promise.resolve(existed);
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

  private touch(entry: MemoryEntry, now: number): void {
    entry.lastSeenAt = now;
    entry.expiresAt = now + Math.min(this.options.idleTimeout, entry.deadline - now);
  }

  private afterWrite(): void {
    if (++this.writesSinceSweep >= SWEEP_EVERY) this.sweep();
  }

  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = this.clock();
    for (const [publicId, entry] of this.entries) if (now >= entry.expiresAt) this.entries.delete(publicId);
  }
}
