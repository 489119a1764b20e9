import { hash } from 'node:crypto';
import type { SessionLimitPolicy } from '../options/redis-session-options.interface.js';
import type {
  DeleteOwnedResult,
  EndResult,
  FieldChanges,
  IndexAddResult,
  LoadResult,
  MetadataLookup,
  NewSessionRecord,
  RetireResult,
  SignedInCreation,
  TombstoneTimes,
  TouchResult,
  UpdateResult,
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
  return hash('sha256', userId, 'buffer').toString('base64url', 0, 16);
}

/** Options of `indexAdd`. */
export interface IndexAddOptions {
  /** Most members allowed; 0: no limit. */
  readonly limit: number;
  readonly policy: SessionLimitPolicy;
  /**
   * The member this one replaces (a same-user rotation), dropped in the same atomic step; nothing is
   * added when it is no longer a member (the session was signed out meanwhile).
   */
  readonly replaces?: string;
  /** The session's login time: nothing is added when "sign out everywhere" ran at or after it. */
  readonly authenticatedAt: number;
}

/**
 * Where sessions live: the primitives the library's flows (load, save, rotate, end, revoke) are built
 * from. Internal: apps use `SessionRepository`. An abstract class so it doubles as the DI token.
 *
 * Sessions are addressed by `publicId` (a SHA-256 of the session ID); the raw ID never reaches a store.
 * Both implementations (`RedisSessionStore`, `MemorySessionStore`) keep the same semantics, which
 * `test/store-contract.e2e-spec.ts` checks: deadlines judged by the store's clock, creation only when the
 * key is absent, updates only while the record exists (no resurrection), every record expiring on its
 * own, rotations gated by the old record (retire), and a per-user index (member: publicId, score: absolute
 * deadline) that is a convenience, never the source of truth.
 */
export abstract class SessionStore {
  /** Gets ready to serve requests (the Redis store measures the server's clock). Called at startup. */
  warmUp(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * The time by which this store judges deadlines, ms since the epoch: the Redis server's clock as
   * `ServerClock` estimates it (the process's own clock until the first measurement), or the memory
   * store's clock. Everything outside the store that compares with a stored time (device lists, the
   * pruning before a login, the socket check, `@RecentLogin()`, the cookie's `Max-Age` against the
   * absolute deadline) asks here, so an app server whose clock is off judges as its reads do.
   */
  abstract now(): number;

  /**
   * Reads a session, judging its deadlines by the store's clock; an expired record is deleted and
   * reported as `expired`. Writes nothing else: refreshing the idle timer is `touch`'s.
   */
  abstract load(publicId: string): Promise<LoadResult>;

  /**
   * Refreshes a session's idle timer (last seen, and its TTL, never past its deadline), and for a
   * signed-in session (`userId`) asks its user's index, in one round trip (see touch-session.lua).
   */
  abstract touch(publicId: string, userId: string | undefined): Promise<TouchResult>;

  /** Writes a new record. Resolves `undefined`, writing nothing, when one already exists under that ID (S24). */
  abstract create(publicId: string, record: NewSessionRecord): Promise<WrittenTimes | undefined>;

  /**
   * Writes a signed-in session's new record and adds it to its user's index (a login, a regenerate): the
   * record as `create` writes it, the entry as `indexAdd` adds it, with the record's deadline and login
   * time. When the index refuses the session, the record is deleted again, so a signed-in record its
   * index does not list is never left behind. Here the two steps run one after the other; a store that
   * can take both in one step (the Redis store, on anything but a cluster) does.
   */
  async createSignedIn(
    publicId: string,
    record: NewSessionRecord & { readonly userId: string },
    index: Omit<IndexAddOptions, 'authenticatedAt'>,
  ): Promise<SignedInCreation> {
    const times = await this.create(publicId, record);
    if (times === undefined) return { created: false };
    const indexed = await this.indexAdd(record.userId, publicId, times.deadline, {
      ...index,
      authenticatedAt: times.authenticatedAt ?? times.now,
    });
    if (!indexed.added) await this.delete(publicId);
    return { created: true, times, indexed };
  }

  /**
   * Applies a request's data changes and refreshes the idle timer, within `maxSessionBytes` for the stored
   * record (`tooLarge`). Writes nothing when the record no longer exists (logged out, revoked or expired
   * meanwhile: S23), and when it moved to a new ID moments ago it says where (`forward`), so the caller
   * can decide whether its changes follow.
   */
  abstract update(publicId: string, changes: FieldChanges): Promise<UpdateResult>;

  /**
   * Deletes a record this request wrote moments ago (a sign-in its index refused). Resolves whether one
   * existed. Not for a record that may have become a rotation's tombstone meanwhile: `end` spares those.
   */
  abstract delete(publicId: string): Promise<boolean>;

  /**
   * Ends a session for `logout()`/`destroy()`: deletes its record, unless a rotation moved it (`movedTo`:
   * only the holder of the current ID may end it; nothing is deleted).
   */
  abstract end(publicId: string): Promise<EndResult>;

  /**
   * The gate of a rotation (see retire-session.lua): when the record is live, replaces it with a tombstone
   * that names `successor` (forwarding requests for `times.forwardMs`, standing for `times.holdMs`) and
   * resolves its data as it was at that moment; when it is gone, or another rotation already moved it,
   * writes nothing and says so. The caller creates the successor only after this let it through.
   */
  abstract retire(
    publicId: string,
    successor: string,
    successorUserId: string | undefined,
    times: TombstoneTimes,
  ): Promise<RetireResult>;

  /**
   * Undoes a `retire` whose rotation was refused after it (see restore-session.lua): puts the record back
   * from its snapshot, only while its tombstone still points at `successor`. Resolves whether it did.
   */
  abstract restore(publicId: string, successor: string, snapshot: readonly string[]): Promise<boolean>;

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
}
