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
  /** The store's clock when the record was read. */
  readonly now: number;
  /** Whether this load refreshed the idle timer (`touchAfter` had passed). */
  readonly touched: boolean;
}

/** Why a load found no usable session. */
export type MissingReason = 'unknown' | 'expired' | 'malformed';

/** What a load returns: the record, or why there is none. */
export type LoadResult =
  { readonly record: SessionRecord } | { readonly record?: undefined; readonly missing: MissingReason };

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
}

/** The times a create or update settled on, by the store's clock. */
export interface WrittenTimes {
  readonly now: number;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly deadline: number;
  readonly authenticatedAt: number | undefined;
}

/** The changes a request made to data keys. */
export interface FieldChanges {
  readonly set: ReadonlyMap<string, string>;
  readonly remove: readonly string[];
}
