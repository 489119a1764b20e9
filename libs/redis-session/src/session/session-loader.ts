import type { SessionRejection, SessionRejectionReason } from '../events/session-event.interface.js';
import { MAX_FORWARD_HOPS, mayFollow, type LoadResult } from '../store/session-record.js';
import { storeCall } from './store-call.js';
import { freshState, stateOfRecord, type SessionState } from './session-state.js';
import type { SessionRuntime } from './session-runtime.js';
import { TrackedData } from './tracked-data.js';
import type { VerifiedCookie } from './verified-cookies.js';

/** What loading the session a cookie names found. */
export interface LoadedSession {
  readonly state: SessionState;
  readonly data: TrackedData;
  /** Why the cookie gave no session, when it gave none. */
  readonly rejection?: SessionRejection;
}

/** Records why a cookie gave no session, as a `rejected` event. */
export function rejected(
  runtime: SessionRuntime,
  reason: SessionRejectionReason,
  publicId: string | undefined,
  userId?: string,
): SessionRejectionReason {
  runtime.events.emit({ type: 'rejected', publicId, userId, reason });
  return reason;
}

/**
 * Loads the session a verified cookie names: one round trip (a read judged by the server's clock), and one
 * more every `touchAfter` to refresh its idle timer (touch-session.lua). Rotation tombstones are followed (up to `MAX_FORWARD_HOPS`), and
 * only while the session stayed with its signed-in user (see `rotationGracePeriod`); an old ID that moved
 * into someone's login, or through an anonymous regenerate, gets an empty session that is never stored.
 * A signed-in session missing from its user's index when its idle timer is refreshed (the index was
 * evicted, or a crash came between two steps) is refused and deleted: "sign out everywhere" can only miss
 * what the index misses, so a failing index must fail closed.
 */
export async function loadSession(
  runtime: SessionRuntime,
  cookie: VerifiedCookie,
  /** Whether this is the second read, after a rotation retired the record between a read and its refresh. */
  reread = false,
): Promise<LoadedSession> {
  const { id, publicId } = cookie;
  const { store, options, clock } = runtime;
  const empty = (mode: 'new' | 'moved', rejection?: SessionRejection): LoadedSession => ({
    state: freshState(clock(), options.absoluteTimeout, mode),
    data: TrackedData.empty(),
    rejection,
  });

  let result: LoadResult = await storeCall(store.load(publicId));
  let loadedId = publicId;
  let forwarded = false;
  for (let hop = 0; result.forward !== undefined; hop++) {
    const { forward } = result;
    // The old ID moved into someone's login (it may have been planted), or past the grace period: nothing
    // of the new session is read, and nothing this request does reaches it or the browser's cookie.
    if (!mayFollow(forward)) return empty('moved', rejected(runtime, 'rotated', loadedId));
    // A longer chain than any real sequence of rotations is no session.
    if (hop === MAX_FORWARD_HOPS) return empty('moved', rejected(runtime, 'unknown', loadedId));
    loadedId = forward.to;
    forwarded = true;
    result = await storeCall(store.load(loadedId));
  }
  // Whatever a forwarded request finds, it never sets a cookie: without a session it stays `'moved'`.
  const mode = forwarded ? 'moved' : 'new';

  if (result.record !== undefined) {
    const { record } = result;
    const data = TrackedData.fromFields(record.fields);
    if (data === undefined) return empty(mode, rejected(runtime, 'malformed-record', loadedId));
    let lastSeenAt = record.lastSeenAt;
    const touchAfter = record.userId === undefined ? options.anonymousTouchAfter : options.touchAfter;
    if (record.now - record.lastSeenAt >= touchAfter) {
      // Refreshed only once the record proved to be a session: one the library cannot read is never written.
      // A login or regenerate retired the record since it was read: read again, so this request meets the
      // tombstone as any later one does (followed or not); never a fresh session, whose cookie would
      // overwrite the one the rotation just issued.
      const readAgain = (): Promise<LoadedSession> | LoadedSession =>
        reread ? empty('moved', rejected(runtime, 'rotated', loadedId)) : loadSession(runtime, cookie, true);
      const touch = await storeCall(store.touch(loadedId, record.userId));
      if (!touch.touched && touch.moved) return readAgain();
      if (!touch.touched && touch.gone) return empty(mode, rejected(runtime, 'unknown', loadedId));
      // A forwarded request is not refused: it may be looking at a rotation's new session before the
      // rotation has indexed it, and the holder of the new cookie gets the check at its own next refresh.
      if (touch.indexed === false && !forwarded) {
        // The refresh and the index check are two commands: a rotation may have retired the record and
        // swapped its index member between them. `end` never deletes a rotation's tombstone, and says so.
        if (typeof (await storeCall(store.end(loadedId))) === 'object') return readAgain();
        return empty(mode, rejected(runtime, 'not-indexed', loadedId, record.userId));
      }
      if (touch.touched) lastSeenAt = touch.lastSeenAt;
    }
    // A forwarded request has no raw ID for the new session: it can never set that session's cookie.
    const owned = stateOfRecord(record, forwarded ? 'forwarded' : 'own', loadedId, forwarded ? undefined : id);
    return { state: { ...owned, lastSeenAt }, data };
  }
  if (result.missing === 'expired') {
    runtime.events.emit({ type: 'expired', publicId: loadedId, userId: undefined, reason: result.expiredBy ?? 'idle' });
    return empty(mode, 'expired');
  }
  return empty(mode, rejected(runtime, result.missing === 'malformed' ? 'malformed-record' : 'unknown', loadedId));
}
