import type { SessionEvents } from '../events/session-events.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { isLiveAt } from '../session/session-liveness.js';
import type { SessionMetadata } from './session-record.js';
import type { SessionStore } from './session-store.js';

/** A session of the user's that is live, with the facts recorded for it. */
export interface LiveSession {
  readonly publicId: string;
  readonly metadata: SessionMetadata;
}

/**
 * The user's index members with a live record of that user; the others are removed from the index and
 * reported as `expired` (reason `'pruned'`). A member in the middle of a rotation (its record is a
 * tombstone) is neither listed nor removed: the rotation swaps it for its successor itself. Liveness is
 * judged by the store's clock, as reads judge it. Two round trips, whatever the number of sessions in the
 * store.
 */
export async function liveSessionsOf(
  userId: string,
  store: SessionStore,
  options: ResolvedSessionOptions,
  events?: SessionEvents,
): Promise<LiveSession[]> {
  const members = await store.indexMembers(userId);
  if (members.length === 0) return [];
  const metadata = await store.readMetadata(members);
  const now = store.now();
  const live: LiveSession[] = [];
  const dead: string[] = [];
  members.forEach((publicId, i) => {
    const found = metadata[i];
    if (found === 'moving') return;
    if (found !== undefined && found.userId === userId && isLiveAt(found, now, options)) {
      live.push({ publicId, metadata: found });
    } else {
      dead.push(publicId);
    }
  });
  if (dead.length > 0) {
    await store.indexRemove(userId, dead);
    for (const publicId of dead) events?.emit({ type: 'expired', publicId, userId, reason: 'pruned' });
  }
  return live;
}
