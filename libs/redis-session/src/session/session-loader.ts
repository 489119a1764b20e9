import type { SessionRejection, SessionRejectionReason } from '../events/session-event.interface.js';
import { forwardKeepsOwner, type LoadResult } from '../store/session-record.js';
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
 * Loads the session a verified cookie names: one round trip (load-session.lua judges both deadlines and
 * refreshes the idle timer when due). A rotation tombstone is followed once, and only when the session
 * stayed with its owner (see `rotationGracePeriod`); an old ID that moved into someone's login gets an
 * empty session that is never stored. When the store refreshed a signed-in session's idle timer, one more
 * round trip checks that the session is still in its user's index (fail closed).
 */
export async function loadSession(runtime: SessionRuntime, { id, publicId }: VerifiedCookie): Promise<LoadedSession> {
  const { store, options, clock } = runtime;
  const empty = (mode: 'new' | 'moved', rejection?: SessionRejection): LoadedSession => ({
    state: freshState(clock(), options.absoluteTimeout, mode),
    data: TrackedData.empty(),
    rejection,
  });

  let result: LoadResult = await storeCall(() => store.load(publicId));
  const forward = result.forward;
  if (forward !== undefined) {
    // The old ID moved into someone's login: it may have been planted. Nothing of that login is read.
    if (!forwardKeepsOwner(forward)) return empty('moved', rejected(runtime, 'rotated', publicId));
    result = await storeCall(() => store.load(forward.to));
    // A tombstone is followed once: a chain of them is no session.
    if (result.forward !== undefined) result = { missing: 'unknown' };
  }
  const loadedId = forward?.to ?? publicId;
  // Whatever a forwarded request finds, it never sets a cookie: without a session it stays `'moved'`.
  const mode = forward === undefined ? 'new' : 'moved';

  if (result.record !== undefined) {
    const { record } = result;
    const data = TrackedData.fromFields(record.fields);
    if (data === undefined) return empty(mode, rejected(runtime, 'malformed-record', loadedId));
    if (record.touched && record.userId !== undefined && !(await stillIndexed(runtime, record.userId, loadedId))) {
      await storeCall(() => store.delete(loadedId));
      return empty(mode, rejected(runtime, 'not-indexed', loadedId, record.userId));
    }
    // A forwarded request has no raw ID for the new session: it can never set that session's cookie.
    const state = stateOfRecord(record, forward ? 'forwarded' : 'own', loadedId, forward ? undefined : id);
    return { state, data };
  }
  if (result.missing === 'expired') {
    runtime.events.emit({ type: 'expired', publicId: loadedId, userId: undefined, reason: result.expiredBy ?? 'idle' });
    return empty(mode, 'expired');
  }
  return empty(mode, rejected(runtime, result.missing === 'malformed' ? 'malformed-record' : 'unknown', loadedId));
}

/**
 * Whether a signed-in session is still in its user's index. Asked only when the store refreshed the idle
 * timer (every `touchAfter`), so it costs one command per touch, not per request. A session missing from
 * the index (the index was evicted, or a crash came between two steps) is refused: "sign out everywhere"
 * can only miss what the index misses, so a failing index must fail closed.
 */
function stillIndexed(runtime: SessionRuntime, userId: string, publicId: string): Promise<boolean> {
  return storeCall(() => runtime.store.indexHas(userId, publicId));
}
