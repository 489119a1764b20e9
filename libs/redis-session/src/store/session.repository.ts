import { createHash } from 'node:crypto';
import type { SessionEvents } from '../events/session-events.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { SessionLimitPolicy } from '../options/redis-session-options.interface.js';
import type {
  FieldChanges,
  IndexAddResult,
  LoadResult,
  NewSessionRecord,
  SessionMetadata,
  UpdateResult,
  UserSessionSummary,
  WrittenTimes,
} from './session-record.js';

/** How long a key outlives its idle deadline, so a session presented just after it is "expired", not "unknown". */
export const EXPIRED_GRACE = 60_000;

/**
 * The per-user index name for a user ID: the first 128 bits of its SHA-256, base64url (22 characters), so
 * any user ID makes a safe, bounded key. At 128 bits it takes about 2^64 users before any two are likely to
 * share an index, and even then neither could list or revoke the other's sessions (every member is checked
 * against the record's user); the worst is that one prunes the other's members, which signs those out.
 */
export function userIndexIdOf(userId: string): string {
  return createHash('sha256').update(userId).digest().subarray(0, 16).toString('base64url');
}

/** Options of `indexAdd`. */
export interface IndexAddOptions {
  /** Most members allowed; 0: no limit. */
  readonly limit: number;
  readonly policy: SessionLimitPolicy;
  /** A member to drop in the same atomic step (the ID this one replaces). */
  readonly replaces?: string;
}

/**
 * Where sessions live. An abstract class so it doubles as the DI token: inject it by type to list and
 * revoke a user's sessions.
 *
 * Sessions are addressed by `publicId` (a SHA-256 of the session ID); the raw ID never reaches a store.
 * Every implementation keeps the same semantics: deadlines judged by the store's clock, creation only
 * when the key is absent, updates only while the record exists (no resurrection), every record expiring
 * on its own, and a per-user index (member: publicId, score: absolute deadline) that is a convenience,
 * never the source of truth: a member whose record is gone is pruned, never reported as live.
 *
 * @example
 * constructor(private readonly sessions: SessionRepository) {}
 * devices(@Session() session: Session) {
 *   return this.sessions.listForUser(session.userId!, { current: session.publicId });
 * }
 */
export abstract class SessionRepository {
  constructor(
    protected readonly options: ResolvedSessionOptions,
    protected readonly events?: SessionEvents,
    protected readonly clock: () => number = Date.now,
  ) {}

  /**
   * Reads a session and, when `touchAfter` has passed, refreshes its idle timer, in one step.
   * An expired record is deleted and reported as `expired`.
   */
  abstract load(publicId: string): Promise<LoadResult>;

  /** Writes a new record. Resolves `undefined`, writing nothing, when one already exists under that ID (S24). */
  abstract create(publicId: string, record: NewSessionRecord): Promise<WrittenTimes | undefined>;

  /**
   * Applies a request's data changes and refreshes the idle timer. Writes nothing when the record no
   * longer exists (logged out, revoked or expired meanwhile: S23), and when it moved to a new ID moments
   * ago it says where (`forwardTo`), so the caller can apply the changes there.
   */
  abstract update(publicId: string, changes: FieldChanges): Promise<UpdateResult>;

  /** Deletes a record. Resolves whether one existed. */
  abstract delete(publicId: string): Promise<boolean>;

  /**
   * Deletes a record that moved to `successor`, leaving for `graceMs` a tombstone that forwards to it
   * (see retire-session.lua); `graceMs` 0 just deletes. Resolves the record's data fields as they were at
   * that moment (`undefined` if it was gone), so changes other requests made meanwhile can be carried over.
   */
  abstract retire(
    publicId: string,
    successor: string,
    graceMs: number,
  ): Promise<ReadonlyMap<string, string> | undefined>;

  /** Deletes a record only if it belongs to `userId`. Resolves whether it did. */
  abstract deleteOwned(publicId: string, userId: string): Promise<boolean>;

  /** The library fields of several sessions (no data), `undefined` for those that are gone. */
  abstract readMetadata(publicIds: readonly string[]): Promise<(SessionMetadata | undefined)[]>;

  /** Adds a session to its user's index, enforcing the limit atomically (see index-add.lua). */
  abstract indexAdd(
    userId: string,
    publicId: string,
    deadline: number,
    options: IndexAddOptions,
  ): Promise<IndexAddResult>;

  /** Removes sessions from a user's index. */
  abstract indexRemove(userId: string, publicIds: readonly string[]): Promise<void>;

  /** The members of a user's index whose deadline has not passed. */
  abstract indexMembers(userId: string): Promise<string[]>;

  /** Whether a session is in its user's index. */
  abstract indexHas(userId: string, publicId: string): Promise<boolean>;

  /**
   * The user's live sessions, newest first, with the device facts recorded at login. Members of the index
   * whose record is gone (expired, or a crash between two steps) are pruned here and reported as
   * `expired` events. Costs two round trips whatever the number of other sessions in the store.
   */
  async listForUser(userId: string, options: { current?: string } = {}): Promise<UserSessionSummary[]> {
    const live = await this.liveSessions(userId);
    return live
      .map(({ publicId, metadata }) => ({
        publicId,
        createdAt: new Date(metadata.createdAt),
        lastSeenAt: new Date(metadata.lastSeenAt),
        expiresAt: new Date(Math.min(metadata.lastSeenAt + this.options.idleTimeout, metadata.deadline)),
        current: publicId === options.current,
        ...metadata.device,
      }))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  /** How many live sessions the user has. */
  async countForUser(userId: string): Promise<number> {
    return (await this.liveSessions(userId)).length;
  }

  /**
   * Ends one of the user's sessions: its next request is refused, on every app instance. Does nothing,
   * and resolves `false`, when that session is gone or belongs to someone else.
   */
  async revoke(userId: string, publicId: string): Promise<boolean> {
    const deleted = await this.deleteOwned(publicId, userId);
    await this.indexRemove(userId, [publicId]);
    if (deleted) this.events?.emit({ type: 'revoked', publicId, userId, reason: 'revoke' });
    return deleted;
  }

  /**
   * Ends every session of the user ("sign out everywhere"), or every one but `except` ("sign out all other
   * devices"). Resolves how many were ended.
   */
  async revokeAllForUser(userId: string, options: { except?: string } = {}): Promise<number> {
    const targets = (await this.indexMembers(userId)).filter((publicId) => publicId !== options.except);
    if (targets.length === 0) return 0;
    const deleted = await Promise.all(targets.map((publicId) => this.deleteOwned(publicId, userId)));
    await this.indexRemove(userId, targets);
    let count = 0;
    targets.forEach((publicId, i) => {
      if (!deleted[i]) return;
      count++;
      this.events?.emit({ type: 'revoked', publicId, userId, reason: 'revoke-all' });
    });
    return count;
  }

  /**
   * Index members with a live record of this user; the others are removed from the index. Library-internal
   * (used by `login()` before it enforces `maxSessionsPerUser`).
   */
  async liveSessions(userId: string): Promise<{ publicId: string; metadata: SessionMetadata }[]> {
    const members = await this.indexMembers(userId);
    if (members.length === 0) return [];
    const metadata = await this.readMetadata(members);
    const now = this.clock();
    const live: { publicId: string; metadata: SessionMetadata }[] = [];
    const dead: string[] = [];
    members.forEach((publicId, i) => {
      const found = metadata[i];
      const alive =
        found !== undefined &&
        found.userId === userId &&
        now < found.deadline &&
        now < found.lastSeenAt + this.options.idleTimeout;
      if (alive) live.push({ publicId, metadata: found });
      else dead.push(publicId);
    });
    if (dead.length > 0) {
      await this.indexRemove(userId, dead);
      for (const publicId of dead) this.events?.emit({ type: 'expired', publicId, userId, reason: 'pruned' });
    }
    return live;
  }
}
