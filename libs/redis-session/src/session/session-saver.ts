import { Logger } from '@nestjs/common';
import { SessionStoreUnavailableException } from '../errors/session-store-unavailable.exception.js';
import { SessionTooLargeException } from '../errors/session-too-large.exception.js';
import { MAX_FORWARD_HOPS, mayFollow, type UpdateResult } from '../store/session-record.js';
import type { SessionCookie } from './session-cookie.js';
import type { SessionRuntime } from './session-runtime.js';
import { withNewId, type SessionState } from './session-state.js';
import { storeCall } from './store-call.js';
import { ensureWithinLimit, type TrackedData } from './tracked-data.js';

const logger = new Logger('RedisSession');

/**
 * Writes what the handler changed, and resolves the state after it. Only the top-level keys whose JSON
 * differs from the baseline are sent, with the removals, in one round trip (update-session.lua); nothing
 * is sent when nothing changed. A new session is created only once it holds data, and then gets its
 * cookie. A save never brings back a session that ended meanwhile (S23), and follows a rotation only when
 * the session stayed with its owner.
 */
export async function saveSession(
  runtime: SessionRuntime,
  state: SessionState,
  data: TrackedData,
  cookie: SessionCookie,
): Promise<SessionState> {
  if (!data.touched) return state;
  switch (state.mode) {
    case 'moved':
    case 'ended':
      if (data.changes() !== undefined) logger.debug('changes of a session that moved or ended were dropped');
      return state;
    case 'new':
      return data.isEmpty ? state : createSession(runtime, state, data, cookie);
    default:
      return updateSession(runtime, state, data);
  }
}

/** Stores a new session under a fresh ID (never overwriting a record, S24) and issues its cookie. */
async function createSession(
  runtime: SessionRuntime,
  state: SessionState,
  data: TrackedData,
  cookie: SessionCookie,
): Promise<SessionState> {
  const fields = data.encode();
  ensureWithinLimit(fields, new Map(), runtime.options.maxSessionBytes);
  const named = state.id === undefined ? withNewId(state) : state;
  const publicId = named.publicId!;
  const times = await storeCall(runtime.store.create(publicId, { fields }));
  if (times === undefined) throw new SessionStoreUnavailableException(new Error('session ID collision'));
  data.saved(fields);
  cookie.issue(named.id!, times.deadline);
  runtime.events.emit({ type: 'created', publicId, userId: undefined, reason: undefined });
  return { ...named, mode: 'own', createdAt: times.createdAt, lastSeenAt: times.lastSeenAt, deadline: times.deadline };
}

/** Writes the changes of a stored session, following same-user rotations (up to `MAX_FORWARD_HOPS`). */
async function updateSession(runtime: SessionRuntime, state: SessionState, data: TrackedData): Promise<SessionState> {
  const changes = data.changes();
  if (changes === undefined) return state;
  const { store } = runtime;
  let target = state.publicId!;
  let after = state;
  let result: UpdateResult = await storeCall(store.update(target, changes));
  for (let hop = 0; !result.written && result.forward !== undefined; hop++) {
    const { forward } = result;
    // The session moved to a new ID (a login or regenerate) after this request loaded it. Its changes
    // follow only when the session stayed with its signed-in user; a move into someone's login is a boundary.
    if (!mayFollow(forward) || forward.userId !== state.userId || hop === MAX_FORWARD_HOPS) {
      logger.debug(`session ${target} moved into another login; changes dropped`);
      return { ...state, mode: 'moved' };
    }
    target = forward.to;
    result = await storeCall(store.update(target, changes));
    // From here this request only adds to the new session; it cannot rotate or end it.
    if (result.written) after = { ...state, mode: 'forwarded', id: undefined, publicId: target };
  }
  if (!result.written) {
    if (result.tooLarge !== undefined) {
      throw new SessionTooLargeException(result.tooLarge, runtime.options.maxSessionBytes);
    }
    // Logged out, revoked or expired while this request ran: never bring it back (S23).
    logger.debug(`session ${target} was gone at save; changes dropped`);
    return { ...state, mode: 'ended' };
  }
  data.saved(changes.current);
  return { ...after, lastSeenAt: runtime.clock() };
}
