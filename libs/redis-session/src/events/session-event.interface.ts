/** Kinds of session lifecycle events. */
export type SessionEventType =
  'created' | 'authenticated' | 'regenerated' | 'destroyed' | 'revoked' | 'evicted' | 'expired' | 'rejected';

/** Why a presented cookie did not give a session (`rejected` events). */
export type SessionRejectionReason =
  | 'malformed-cookie'
  | 'bad-signature'
  | 'ambiguous-cookie'
  | 'unknown'
  | 'malformed-record'
  | 'not-indexed'
  | 'rotated';

/**
 * Why the session cookie a request carried gave it no session (`SessionApi.rejection`): `'expired'` (the
 * idle or absolute timeout passed), or a `SessionRejectionReason`: `'unknown'` covers a session signed out,
 * revoked or evicted elsewhere; `'not-indexed'` one missing from its user's index (refused, fail closed);
 * `'rotated'` an old ID whose session moved into someone's login moments ago (the request gets an empty
 * session that is never stored, and the browser keeps its new cookie).
 */
export type SessionRejection = SessionRejectionReason | 'expired';

/**
 * One lifecycle event. Never carries the raw session ID: `publicId` is its one-way hash.
 *
 * | type            | when                                                              | reason                                   |
 * | --------------- | ----------------------------------------------------------------- | ---------------------------------------- |
 * | `created`       | a new session is first stored (it got data)                       | -                                        |
 * | `authenticated` | `login()`                                                         | -                                        |
 * | `regenerated`   | `regenerate()`; `previousPublicId` is the old one                 | -                                        |
 * | `destroyed`     | `logout()` or `destroy()`                                         | `'logout'` or `'destroy'`                |
 * | `revoked`       | `revoke()` / `revokeAllForUser()`                                 | `'revoke'` or `'revoke-all'`             |
 * | `evicted`       | `login()` over `maxSessionsPerUser` ended the user's oldest       | `'session-limit'`                        |
 * | `expired`       | an expired session was presented, or pruned from a user's index   | `'idle'`, `'absolute'` or `'pruned'`     |
 * |                 | (with `keyspaceEvents`) a session record expired in Redis unseen   | `'unseen'`                               |
 * | `rejected`      | a cookie that gave no session                                     | a `SessionRejectionReason`               |
 */
export interface SessionEvent {
  readonly type: SessionEventType;
  /** The session's public ID; `undefined` only for a `rejected` cookie too malformed to name one. */
  readonly publicId: string | undefined;
  /** The signed-in user, where known. */
  readonly userId: string | undefined;
  readonly reason: string | undefined;
  /** For `regenerated` and `authenticated`: the public ID the session had before. */
  readonly previousPublicId?: string;
  readonly at: Date;
}
