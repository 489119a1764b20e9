import { SessionMovedException } from '../errors/session-moved.exception.js';
import { SessionStoreUnavailableException } from '../errors/session-store-unavailable.exception.js';
import { SessionTooLargeException } from '../errors/session-too-large.exception.js';
import { SessionUnauthorizedException } from '../errors/session-unauthorized.exception.js';
import { TooManySessionsException } from '../errors/too-many-sessions.exception.js';
import { liveSessionsOf } from '../store/live-sessions.js';
import { dataBytesOf } from '../store/record-fields.js';
import type { NewSessionRecord, RetireResult, TombstoneTimes, WrittenTimes } from '../store/session-record.js';
import { mergeConcurrentChanges } from './concurrent-changes.js';
import type { SessionCookie } from './session-cookie.js';
import { generateSessionId, publicIdOf } from './session-id.js';
import type { SessionRuntime } from './session-runtime.js';
import type { SessionState } from './session-state.js';
import { storeCall } from './store-call.js';
import { ensureWithinLimit, type TrackedData } from './tracked-data.js';

/** What a login or regenerate gets when its session was signed out while it ran (401). */
export const SESSION_ENDED = 'Your session ended while this request ran; please sign in again';

/**
 * A tombstone stands at least this many command timeouts, whatever `rotationGracePeriod`: long enough for
 * the rest of the rotation (create, index, evictions, replica acknowledgements), so a logout, revoke or
 * second rotation racing it sees the session as moved, never as gone.
 */
const TOMBSTONE_HOLD_COMMANDS = 10;

/** How the tombstone of a rotation behaves under these options. */
function tombstoneTimes(options: SessionRuntime['options']): TombstoneTimes {
  const forwardMs = options.rotationGracePeriod;
  return { forwardMs, holdMs: Math.max(forwardMs, TOMBSTONE_HOLD_COMMANDS * options.commandTimeout) };
}

/**
 * A rotation that cannot go on: the session moved to a new ID in another request (409), or was signed
 * out (401). Thrown as the HTTP exception the request answers with.
 */
function refused(moved: boolean): never {
  throw moved ? new SessionMovedException() : new SessionUnauthorizedException(SESSION_ENDED);
}

/**
 * Moves the session to a new ID and resolves the new state; the cookie follows. In this order:
 * 1. the old record is retired (retire-session.lua): the gate. Gone (logged out, revoked, expired,
 *    evicted) → 401; already moved by another rotation → 409. Either way nothing was written.
 * 2. the new record is written ("must not exist") from the old record's last data, with this request's
 *    own changes (`next.fields`) on top: writes other requests made meanwhile are kept;
 * 3. a signed-in session is indexed under the per-user limit; a same-user rotation swaps the old member
 *    for the new one only while the old one is still indexed, and no login from before a "sign out
 *    everywhere" is indexed after it, so a revocation in between makes the rotation fail closed (the new
 *    record is deleted, 401). Steps 2 and 3 are one script and one round trip where one script may touch
 *    both keys (a single Redis server, a Sentinel group); on a cluster, where the record and the index are
 *    in different slots, they are two, and every step touches one key;
 * 4. sessions the limit evicted are deleted; a change of user drops the old member from its index.
 * A refusal after step 1 for a reason of this request's own (the per-user limit under `'reject'`, the
 * merged data over `maxSessionBytes`) puts the old record back (restore-session.lua), so the session is as
 * it was; after a store failure the outcome is unknown and the old record stays retired (fail closed). A
 * failure at any step leaves no signed-in session that the index does not know (S17, S26), and never a
 * new session for an old one that was signed out.
 */
export async function rotateSession(
  runtime: SessionRuntime,
  state: SessionState,
  data: TrackedData,
  next: NewSessionRecord,
  cookie: SessionCookie,
): Promise<SessionState> {
  const { store, options } = runtime;
  const previous = state.mode === 'own' ? state.publicId : undefined;
  ensureWithinLimit(next.fields, data.stored, options.maxSessionBytes);
  const id = generateSessionId();
  const publicId = publicIdOf(id);
  let fields = next.fields;
  let retired: Extract<RetireResult, { retired: true }> | undefined;
  if (previous !== undefined) {
    const result = await storeCall(store.retire(previous, publicId, next.userId, tombstoneTimes(options)));
    if (!result.retired) refused(result.movedTo !== undefined);
    retired = result;
    fields = mergeConcurrentChanges(data.stored, next.fields, result.fields);
  }
  // From here a refusal of this request's own puts the old record back, as it was.
  const undo = async (): Promise<void> => {
    if (previous !== undefined) await store.restore(previous, publicId, retired!.snapshot).catch(() => false);
  };
  let times: WrittenTimes;
  try {
    // Others' writes merged in may take the data past the limit, which neither side passed alone.
    const size = dataBytesOf(fields);
    if (retired !== undefined && size > options.maxSessionBytes && size > dataBytesOf(retired.fields)) {
      throw new SessionTooLargeException(size, options.maxSessionBytes);
    }
    const record = { ...next, fields };
    const created =
      next.userId === undefined
        ? await storeCall(store.create(publicId, record))
        : await createIndexed(
            runtime,
            publicId,
            { ...record, userId: next.userId },
            state.userId === next.userId ? previous : undefined,
          );
    if (created === undefined) {
      // The deadline a regenerate keeps passed in between (or, once in 2^128, the ID exists): nothing new.
      if (previous !== undefined) refused(false);
      throw new SessionStoreUnavailableException(new Error('session ID collision'));
    }
    times = created;
  } catch (error) {
    // Undone only when refused for a reason of this request's own, the new session surely not indexed. A
    // signed-out session stays signed out, and after a store failure the outcome is unknown (the new
    // session may be indexed already): the old one stays retired, and the user signs in again (fail closed).
    if (error instanceof TooManySessionsException || error instanceof SessionTooLargeException) await undo();
    throw error;
  }
  // The new session is stored and indexed: the rotation has happened, whatever follows.
  if (previous !== undefined && state.userId !== undefined && state.userId !== next.userId) {
    // Cleanup only: a member whose record is a tombstone is never listed, and is pruned once it expires.
    await store.indexRemove(state.userId, [previous]).catch(() => undefined);
  }
  data.takeStored(next.fields, fields);
  cookie.issue(id, times.deadline);
  return {
    mode: 'own',
    id,
    publicId,
    createdAt: times.createdAt,
    lastSeenAt: times.lastSeenAt,
    deadline: times.deadline,
    userId: next.userId,
    authenticatedAt: times.authenticatedAt,
    device: next.device ?? {},
  };
}

/**
 * Steps 2 and 3 of `rotateSession` for a signed-in session: the record written and indexed under the
 * per-user limit (in one round trip where the store can), and step 4's evictions. Resolves `undefined`
 * when nothing was written (see `create`); a session its index refused is deleted again by the store.
 */
async function createIndexed(
  runtime: SessionRuntime,
  publicId: string,
  record: NewSessionRecord & { readonly userId: string },
  replaces: string | undefined,
): Promise<WrittenTimes | undefined> {
  const { store, options } = runtime;
  const { userId } = record;
  const index = { limit: options.maxSessionsPerUser, policy: options.onSessionLimit, replaces };
  const result = await storeCall(store.createSignedIn(publicId, record, index));
  if (!result.created) return undefined;
  const { indexed } = result;
  if (!indexed.added) {
    if (indexed.refused !== undefined) refused(false);
    throw new TooManySessionsException(options.maxSessionsPerUser);
  }
  if (indexed.evicted.length > 0) {
    await storeCall(Promise.all(indexed.evicted.map((member) => store.deleteOwned(member, userId))));
    for (const member of indexed.evicted) {
      runtime.events.emit({ type: 'evicted', publicId: member, userId, reason: 'session-limit' });
    }
  }
  return result.times;
}

/**
 * Before a login, with `maxSessionsPerUser`: prunes the user's index of sessions that are gone (they must
 * not count, or be chosen for eviction), and under `onSessionLimit: 'reject'` refuses a login over the
 * limit before anything is written. (The limit itself is enforced atomically when the new session is
 * indexed; a same-user rotation replaces its own member and never adds one.)
 */
export async function enforceLimitBeforeLogin(
  runtime: SessionRuntime,
  state: SessionState,
  userId: string,
): Promise<void> {
  const { options, store, events } = runtime;
  if (options.maxSessionsPerUser === 0) return;
  const live = await storeCall(liveSessionsOf(userId, store, options, events));
  const replacesOwn = state.mode === 'own' && state.userId === userId;
  if (options.onSessionLimit === 'reject' && !replacesOwn && live.length >= options.maxSessionsPerUser) {
    throw new TooManySessionsException(options.maxSessionsPerUser);
  }
}
