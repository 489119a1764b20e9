import type { FieldChanges, LoadResult, NewSessionRecord, WrittenTimes } from './session-record.js';

/**
 * Where sessions live. An abstract class so it doubles as the DI token: inject it by type.
 *
 * Sessions are addressed by `publicId` (a SHA-256 of the session ID); the raw ID never reaches a store.
 * Every implementation keeps the same semantics: deadlines judged by the store's clock, creation only
 * when the key is absent, updates only while the record exists (no resurrection), and every record
 * expiring on its own.
 */
export abstract class SessionRepository {
  /**
   * Reads a session and, when `touchAfter` has passed, refreshes its idle timer, in one step.
   * An expired record is deleted and reported as `expired`.
   */
  abstract load(publicId: string): Promise<LoadResult>;

  /** Writes a new record. Resolves `undefined`, writing nothing, when one already exists under that ID (S24). */
  abstract create(publicId: string, record: NewSessionRecord): Promise<WrittenTimes | undefined>;

  /**
   * Applies a request's data changes and refreshes the idle timer. Resolves `false`, writing nothing,
   * when the record no longer exists (logged out, revoked, rotated or expired meanwhile: S23).
   */
  abstract update(publicId: string, changes: FieldChanges): Promise<boolean>;

  /** Deletes a record. Resolves whether one existed. */
  abstract delete(publicId: string): Promise<boolean>;
}
