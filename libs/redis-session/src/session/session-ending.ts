import { Logger } from '@nestjs/common';
import { SessionMovedException } from '../errors/session-moved.exception.js';
import type { SessionRuntime } from './session-runtime.js';
import type { SessionState } from './session-state.js';
import { storeCall } from './store-call.js';

const logger = new Logger('RedisSession');

/**
 * Ends a stored session for `logout()`/`destroy()`: deletes its record (end-session.lua), then drops it
 * from its user's index, in that order: a rotation in flight then either found the record gone (and fails
 * closed) or finished first. A session that another request moved to a new ID meanwhile is not this
 * request's to end: `SessionMovedException` (409), nothing changed.
 */
export async function endSession(
  runtime: SessionRuntime,
  state: SessionState,
  reason: 'logout' | 'destroy',
): Promise<void> {
  const { store, events } = runtime;
  const { publicId, userId } = state;
  if (state.mode !== 'own' || publicId === undefined) return;
  const ended = await storeCall(store.end(publicId));
  if (typeof ended === 'object') throw new SessionMovedException();
  if (userId !== undefined) await storeCall(store.indexRemove(userId, [publicId]));
  logger.debug(`session ${publicId} ended (${reason})`);
  if (ended === 'ended') events.emit({ type: 'destroyed', publicId, userId, reason });
}
