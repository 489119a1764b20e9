/** What `login()` recorded about the device a session belongs to. */
export interface SessionDevice {
  /**
   * The client at login, from its `User-Agent` header: by default a short description such as "Chrome 131
   * on Windows" (at most 64 bytes, `describeUserAgent`); with `device: { userAgent: 'full' }` the header's
   * first 256 characters. Text the client chose: escape it wherever it is shown.
   */
  readonly userAgent?: string;
  /** The client IP address at login. */
  readonly ip?: string;
  /** Whatever the app passed to `login(userId, data, { metadata })`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A session as the store holds it. Times are milliseconds since the epoch, by the store's clock. */
export interface SessionRecord {
  /** When the session was created (or re-created by `login()`). */
  readonly createdAt: number;
  /** Last refresh of the idle timer. */
  readonly lastSeenAt: number;
  /** Absolute deadline: the session ends then whatever its activity (S20). */
  readonly deadline: number;
  /** The signed-in user, set only by `login()` (S28). */
  readonly userId: string | undefined;
  /** When `login()` happened; drives step-up checks (S29). */
  readonly authenticatedAt: number | undefined;
  /** Data keys and their JSON text, as stored. */
  readonly fields: ReadonlyMap<string, string>;
  /** Device facts recorded at login. */
  readonly device: SessionDevice;
  /** The store's clock when the record was read: the loader judges `touchAfter` by it. */
  readonly now: number;
}

/**
 * What refreshing a session's idle timer did: refreshed (`lastSeenAt`, the new last-seen time), refused by
 * the store (out of memory: the session is served as it was), or found the session gone meanwhile. For a
 * signed-in session, `indexed` says whether its user's index still lists it (asked in the same round trip).
 */
export type TouchResult =
  | { readonly touched: true; readonly lastSeenAt: number; readonly indexed: boolean | undefined }
  | {
      readonly touched: false;
      readonly gone: boolean;
      /** Gone because a rotation retired it since it was read: the key is a tombstone now. */
      readonly moved?: boolean;
      readonly indexed: boolean | undefined;
    };

/** Why a load found no usable session. */
export type MissingReason = 'unknown' | 'expired' | 'malformed';

/** What a load returns: the record, or why there is none. */
export type LoadResult =
  | { readonly record: SessionRecord; readonly forward?: undefined }
  | {
      readonly record?: undefined;
      readonly forward?: undefined;
      readonly missing: MissingReason;
      readonly expiredBy?: 'idle' | 'absolute';
    }
  | { readonly record?: undefined; readonly forward: SessionForward };

/** Where a session that moved to a new ID (login, regenerate) went, during the rotation grace period. */
export interface SessionForward {
  /** The new session's publicId. */
  readonly to: string;
  /** Who the old session belonged to; `undefined` when it was anonymous. */
  readonly formerUserId: string | undefined;
  /** Who the new session belongs to; `undefined` when it is anonymous. */
  readonly userId: string | undefined;
  /**
   * Whether requests with the old ID are still forwarded (within `rotationGracePeriod`). Past it the
   * tombstone still stands for a while, so the old ID reads as moved rather than unknown.
   */
  readonly forwarding: boolean;
}

/**
 * Whether requests still carrying the old ID may follow a forward: only within the forwarding window, and
 * only when the session stayed with the same signed-in user (a `regenerate()`, or that user signing in again). A move into someone's login, from
 * an anonymous session or another user's, is a boundary no old ID crosses: the ID may have been planted.
 * So is an anonymous `regenerate()`, which apps run exactly to shed an ID that may have been planted
 * (before storing an OAuth state, say).
 */
export function mayFollow(forward: SessionForward): boolean {
  return forward.forwarding && forward.formerUserId !== undefined && forward.formerUserId === forward.userId;
}

/** How many rotations in a row a request with an old ID follows (a regenerate right after a login). */
export const MAX_FORWARD_HOPS = 3;

/** What `create()` writes. */
export interface NewSessionRecord {
  /** Data keys and their JSON text. */
  readonly fields: ReadonlyMap<string, string>;
  /** Keep this creation time (regenerate); unset: now. */
  readonly createdAt?: number;
  /** Keep this deadline (regenerate); unset: creation + absoluteTimeout. */
  readonly deadline?: number;
  /** Signed-in user, if any. */
  readonly userId?: string;
  /** Keep this authentication time (regenerate); unset with a `userId`: now. */
  readonly authenticatedAt?: number;
  /** Device facts to record. */
  readonly device?: SessionDevice;
}

/** The times a create or update settled on, by the store's clock. */
export interface WrittenTimes {
  readonly now: number;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly deadline: number;
  readonly authenticatedAt: number | undefined;
}

/**
 * What an update did: written; refused because the record is gone; refused because the data would pass
 * `maxSessionBytes` (`tooLarge`: the size it would have reached); or pointed on to where the session moved.
 */
export type UpdateResult =
  | { readonly written: true }
  | { readonly written: false; readonly forward?: undefined; readonly tooLarge?: undefined }
  | { readonly written: false; readonly forward: SessionForward; readonly tooLarge?: undefined }
  | { readonly written: false; readonly forward?: undefined; readonly tooLarge: number };

/**
 * What retiring a session for a rotation found: it was live and is now a tombstone (`fields`: its data as
 * it was at that moment), it was gone, or another rotation had moved it already (`movedTo`).
 */
export type RetireResult =
  | {
      readonly retired: true;
      readonly fields: ReadonlyMap<string, string>;
      /** The whole record as it was, for `restore()`: opaque to callers. */
      readonly snapshot: readonly string[];
    }
  | { readonly retired: false; readonly movedTo?: string };

/** How a rotation's tombstone behaves (see retire-session.lua). */
export interface TombstoneTimes {
  /** How long requests with the old ID are forwarded (`rotationGracePeriod`); 0: never. */
  readonly forwardMs: number;
  /** How long the tombstone lives (at least `forwardMs`), so ends and revokes racing the rotation see it. */
  readonly holdMs: number;
}

/** What ending a session (logout, destroy) found: deleted, already absent, or moved by a rotation. */
export type EndResult = 'ended' | 'absent' | { readonly movedTo: string };

/**
 * What `deleteOwned` did: deleted the user's session, found nothing of the user's, or found the user's
 * session moved by a same-user rotation (`movedTo`: where it lives now).
 */
export interface DeleteOwnedResult {
  readonly deleted: boolean;
  readonly movedTo?: string;
}

/** The changes a request made to data keys. */
export interface FieldChanges {
  readonly set: ReadonlyMap<string, string>;
  readonly remove: readonly string[];
}

/** One of a user's sessions, as `SessionRepository.listForUser()` describes it. */
export interface UserSessionSummary {
  /** The session's public ID: pass it to `revoke()`. */
  readonly publicId: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  /** When it ends if unused: the idle deadline, capped by the absolute one. */
  readonly expiresAt: Date;
  /** Whether it is the session that asked (`listForUser(userId, { current })`). */
  readonly current: boolean;
  /**
   * The client it signed in from: "Chrome 131 on Windows", "Safari 17 on iPhone", "curl 8" (the default,
   * `describeUserAgent`), or the `User-Agent` header itself with `device: { userAgent: 'full' }`. Unset when
   * nothing was recorded. Text the client chose: escape it wherever it is shown.
   */
  readonly userAgent?: string;
  /** The client's IP address at login, unless `device: { ip: false }`. */
  readonly ip?: string;
  /** What the app passed to `login(userId, data, { metadata })`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * What `indexAdd` did: added (and evicted these members over the limit); refused at the limit under
 * `'reject'` (`members`: the current ones); or refused because the session was signed out meanwhile
 * (`refused`: the member it replaces is gone, or "sign out everywhere" ran after its login).
 */
/**
 * What `createSignedIn` did: nothing (`created: false`: a record exists under that ID, or the deadline
 * passed), or wrote the record and asked the index (`indexed`); when the index refused the session, the
 * record is gone again.
 */
export type SignedInCreation =
  | { readonly created: false }
  | { readonly created: true; readonly times: WrittenTimes; readonly indexed: IndexAddResult };

export type IndexAddResult =
  | { readonly added: true; readonly evicted: readonly string[] }
  | { readonly added: false; readonly members: readonly string[]; readonly refused?: undefined }
  | { readonly added: false; readonly refused: 'replaced-gone' | 'revoked'; readonly members?: undefined };

/**
 * What `readMetadata` found for one session: its library fields, `undefined` when it is gone, or
 * `'moving'` for a rotation tombstone (the session is between two IDs: neither listed nor pruned).
 */
export type MetadataLookup = SessionMetadata | 'moving' | undefined;

/** The library fields of a session, read without its data (for device lists). */
export interface SessionMetadata {
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly deadline: number;
  readonly userId: string | undefined;
  readonly device: SessionDevice;
}
