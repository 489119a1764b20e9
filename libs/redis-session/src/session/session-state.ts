import { generateSessionId, publicIdOf } from './session-id.js';
import type { SessionDevice, SessionRecord } from '../store/session-record.js';

/**
 * What a request's session is to the store:
 * - `'new'`: nothing stored under this request's ID yet; the first save with data creates it.
 * - `'own'`: the record the request's cookie names.
 * - `'forwarded'`: the cookie named a session that a rotation (regenerate, or the same user signing in
 *   again) moved to a new ID moments ago; the request reads and writes the new record, signed in as
 *   before, but never rotates or ends it and never touches the cookie.
 * - `'moved'`: the cookie named a session that moved into someone's login (from an anonymous session or
 *   another user's), or a save found it so: the request sees an empty session, and nothing it does is
 *   stored; it never touches the cookie.
 * - `'ended'`: a save or a rotation found the record gone (logged out, revoked or expired elsewhere):
 *   nothing more is stored, and a rotation fails closed.
 */
export type SessionMode = 'new' | 'own' | 'forwarded' | 'moved' | 'ended';

/**
 * One request's view of its session record, without the data: which record, and the facts the store
 * keeps beside the data. Immutable: every change of identity (load, creation, rotation, logout) makes a
 * new state, so no field is ever left over from the session before.
 */
export interface SessionState {
  readonly mode: SessionMode;
  /** The raw ID: only an own or new session's, never a forwarded one's. Only ever in the cookie. */
  readonly id: string | undefined;
  readonly publicId: string | undefined;
  readonly createdAt: number;
  /** Last refresh of the idle timer. */
  readonly lastSeenAt: number;
  /** Absolute deadline (S20). */
  readonly deadline: number;
  readonly userId: string | undefined;
  readonly authenticatedAt: number | undefined;
  readonly device: SessionDevice;
}

/** A new, anonymous session that exists nowhere until it holds data; its ID is drawn when first needed. */
export function freshState(
  now: number,
  absoluteTimeout: number,
  mode: 'new' | 'moved' | 'ended' = 'new',
): SessionState {
  return {
    mode,
    id: undefined,
    publicId: undefined,
    createdAt: now,
    lastSeenAt: now,
    deadline: now + absoluteTimeout,
    userId: undefined,
    authenticatedAt: undefined,
    device: {},
  };
}

/** The state of a record the store handed out, as this request's (`'own'`) or a successor's (`'forwarded'`). */
export function stateOfRecord(
  record: Pick<SessionRecord, 'createdAt' | 'lastSeenAt' | 'deadline' | 'userId' | 'authenticatedAt' | 'device'>,
  mode: 'own' | 'forwarded',
  publicId: string,
  id: string | undefined,
): SessionState {
  return {
    mode,
    id,
    publicId,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    deadline: record.deadline,
    userId: record.userId,
    authenticatedAt: record.authenticatedAt,
    device: record.device,
  };
}

/** Whether the state is a stored session this request reads and writes (its own or a forwarded one). */
export function isStored(state: SessionState): boolean {
  return state.mode === 'own' || state.mode === 'forwarded';
}

/** The state with a newly drawn ID: a new session gets its ID when first asked (nothing is stored yet). */
export function withNewId(state: SessionState): SessionState {
  const id = generateSessionId();
  return { ...state, id, publicId: publicIdOf(id) };
}
