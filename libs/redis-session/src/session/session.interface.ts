import type { SessionRejection } from '../events/session-event.interface.js';

/** Options of `login()`. */
export interface LoginOptions {
  /** Labels for the device list (`listForUser`), such as `{ device: 'laptop' }`. Strings only, 1 KiB at most. */
  metadata?: Record<string, string>;
}

/**
 * The shape of session data, empty by default. Apps describe theirs by declaration merging, as with
 * express-session:
 *
 * @example
 * declare module 'nest-redis-session' {
 *   interface SessionData { cart?: CartItem[]; theme?: 'light' | 'dark' }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SessionData {}

/**
 * The request's session, as `@Session()` hands it to a handler.
 *
 * `data` is a plain object the handler reads and mutates freely (nested objects included); after the
 * handler, the interceptor saves only the top-level keys whose value changed. Security transitions
 * (`login`, `logout`, `regenerate`, `destroy`) are written at once. The raw session ID is never exposed:
 * `publicId` is a one-way hash of it, safe for logs and device lists.
 */
export interface SessionApi<T extends object = SessionData> {
  /**
   * A SHA-256 of the session ID (its first 128 bits, 22 base64url characters): names the session in lists
   * and logs; cannot be replayed.
   */
  readonly publicId: string;
  /** The app's data for this session. Values must be JSON (no BigInt, no cycles; Dates come back as strings). */
  data: T;
  /** True until the session has been stored (it holds data or a login) . */
  readonly isNew: boolean;
  /** True after `login()`; only `login()` sets it, never a data key (S28). */
  readonly isAuthenticated: boolean;
  /** The user passed to `login()`, or `undefined`. */
  readonly userId: string | undefined;
  /** When the session was created; `login()` starts a new one. */
  readonly createdAt: Date;
  /** When the idle timer was last refreshed. */
  readonly lastSeenAt: Date;
  /** When the session ends if unused: the idle deadline, capped by the absolute deadline. */
  readonly expiresAt: Date;
  /** When `login()` happened, or `undefined`. */
  readonly authenticatedAt: Date | undefined;
  /**
   * Why the session cookie this request carried gave no session, so a page can say "your session expired"
   * or "you were signed out": `'expired'`, `'unknown'` (signed out, revoked or evicted elsewhere), or
   * another `SessionRejectionReason`. `undefined` when the request had no cookie or its session loaded.
   * It describes the cookie the request came with: a `login()` in the same request does not clear it.
   */
  readonly rejection: SessionRejection | undefined;
  /**
   * Signs a user in: issues a new session ID (against fixation, S17), keeps the data and merges `data`
   * into it, retires the old record (a short-lived tombstone that holds no data and no login), and marks the
   * session authenticated. Written at once. Records the
   * device (user agent, IP, `options.metadata`) for `SessionRepository.listForUser()`, and enforces
   * `maxSessionsPerUser` (throws `TooManySessionsException` under `onSessionLimit: 'reject'`).
   */
  login(userId: string, data?: Partial<T>, options?: LoginOptions): Promise<void>;
  /** Signs out: deletes the record at once and clears the cookie. The handle becomes a new, empty session. */
  logout(): Promise<void>;
  /** Issues a new session ID, keeping data, login and deadlines (use after a privilege change). */
  regenerate(): Promise<void>;
  /** Deletes the session at once and clears the cookie. The handle becomes a new, empty session. */
  destroy(): Promise<void>;
  /**
   * Saves changed data now instead of after the handler, and sets the cookie if the response is still
   * open. Needed only in handlers that write the response themselves (`@Res()` without passthrough).
   */
  save(): Promise<void>;
}
