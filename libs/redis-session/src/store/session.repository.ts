import { createHash } from 'node:crypto';
import type { SessionEvents } from '../events/session-events.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { SessionLimitPolicy } from '../options/redis-session-options.interface.js';
import { expiresAtOf, isLiveAt } from '../session/session-liveness.js';
import type {
  DeleteOwnedResult,
  EndResult,
  FieldChanges,
  IndexAddResult,
  LoadResult,
  MetadataLookup,
  NewSessionRecord,
  RetireResult,
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
   * Applies a request's data changes and refreshes the idle timer, within `maxSessionBytes` for the stored
   * record (`tooLarge`). Writes nothing when the record no longer exists (logged out, revoked or expired
   * meanwhile: S23), and when it moved to a new ID moments ago it says where (`forward`), so the caller
   * can decide whether its changes follow.
   */
  abstract update(publicId: string, changes: FieldChanges): Promise<UpdateResult>;

  /** Deletes a record. Resolves whether one existed. */
  abstract delete(publicId: string): Promise<boolean>;

  /**
   * Ends a session for `logout()`/`destroy()`: deletes its record, unless a rotation moved it (`movedTo`:
   * only the holder of the current ID may end it; nothing is deleted).
   */
  abstract end(publicId: string): Promise<EndResult>;

  /**
   * The gate of a rotation (see retire-session.lua): when the record is live, replaces it with a tombstone
   * that forwards to `successor` for `graceMs` (`0`: no tombstone) and resolves its data as it was at that
   * moment; when it is gone, or another rotation already moved it, writes nothing and says so. The caller
   * creates the successor only after this let it through.
   */
  abstract retire(
    publicId: string,
    successor: string,
    successorUserId: string | undefined,
    graceMs: number,
  ): Promise<RetireResult>;

  /**
   * Deletes a record only if it belongs to `userId`; for a tombstone of a rotation from `userId` to
   * `userId`, says where the session lives now (`movedTo`) and deletes nothing.
   */
  abstract deleteOwned(publicId: string, userId: string): Promise<DeleteOwnedResult>;

  /** The library fields of several sessions (no data): `undefined` for those gone, `'moving'` mid-rotation. */
  abstract readMetadata(publicIds: readonly string[]): Promise<MetadataLookup[]>;

  /** Adds a session to its user's index, enforcing the limit atomically (see index-add.lua). */
  abstract indexAdd(
    userId: string,
    publicId: string,
    deadline: number,
    options: IndexAddOptions,
  ): Promise<IndexAddResult>;

  /** Removes sessions from a user's index. */
  abstract indexRemove(userId: string, publicIds: readonly string[]): Promise<void>;

  /** Removes every member of a user's index but `keep`, in one step, and resolves them (see index-take.lua). */
  abstract indexTake(userId: string, keep?: string): Promise<string[]>;

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
        expiresAt: new Date(expiresAtOf(metadata, this.options)),
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
   * and resolves `false`, when that session is gone or belongs to someone else. A session that a
   * `regenerate()` moved to a new ID moments ago is ended at its new ID.
   */
  async revoke(userId: string, publicId: string): Promise<boolean> {
    // Unindexed before its record goes: a rotation of this session in flight then fails closed
    // (index-add.lua) instead of indexing a successor this revoke would miss.
    await this.indexRemove(userId, [publicId]);
    const ended = await this.endOwned(userId, [publicId]);
    for (const id of ended) this.events?.emit({ type: 'revoked', publicId: id, userId, reason: 'revoke' });
    return ended.length > 0;
  }

  /**
   * Ends every session of the user ("sign out everywhere"), or every one but `except` ("sign out all other
   * devices"). Resolves how many were ended. A login or regenerate of the user's that is in flight at the
   * same moment either finishes first (and its new session is ended here) or fails closed.
   */
  async revokeAllForUser(userId: string, options: { except?: string } = {}): Promise<number> {
    const targets = await this.indexTake(userId, options.except);
    if (targets.length === 0) return 0;
    const ended = await this.endOwned(userId, targets);
    for (const id of ended) this.events?.emit({ type: 'revoked', publicId: id, userId, reason: 'revoke-all' });
    return ended.length;
  }

  /**
   * Deletes the user's sessions among `publicIds`, already taken out of the index, following a same-user
   * rotation's tombstone once to the session's new ID. Resolves the public IDs of the sessions ended.
   */
  private async endOwned(userId: string, publicIds: readonly string[]): Promise<string[]> {
    const results = await Promise.all(publicIds.map((publicId) => this.deleteOwned(publicId, userId)));
    const ended = publicIds.filter((_, i) => results[i]!.deleted);
    const moved = results.flatMap((result) => (result.movedTo === undefined ? [] : [result.movedTo]));
    if (moved.length > 0) {
      await this.indexRemove(userId, moved);
      const followed = await Promise.all(moved.map((publicId) => this.deleteOwned(publicId, userId)));
      ended.push(...moved.filter((_, i) => followed[i]!.deleted));
    }
    return ended;
  }

  /**
   * Index members with a live record of this user; the others are removed from the index. A member in
   * the middle of a rotation (its record is a tombstone) is neither listed nor removed: the rotation swaps
   * it for its successor itself. Library-internal (used by `login()` before it enforces
   * `maxSessionsPerUser`).
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
      if (found === 'moving') return;
      if (found !== undefined && found.userId === userId && isLiveAt(found, now, this.options)) {
        live.push({ publicId, metadata: found });
      } else {
        dead.push(publicId);
      }
    });
    if (dead.length > 0) {
      await this.indexRemove(userId, dead);
      for (const publicId of dead) this.events?.emit({ type: 'expired', publicId, userId, reason: 'pruned' });
    }
    return live;
  }
}
