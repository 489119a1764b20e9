import type { SessionDevice } from './session-record.js';

/** A clock in milliseconds since the epoch; tests pass their own to move time without waiting. */
export type Clock = () => number;

/** A session record as the in-memory store keeps it. */
export interface MemoryEntry {
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
