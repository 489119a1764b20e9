import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';

/** The times that decide whether a session is still live, as a record or its metadata holds them. */
export interface SessionTimes {
  readonly lastSeenAt: number;
  readonly deadline: number;
  readonly userId: string | undefined;
}

/** The idle timeout that applies to a session: signed-in sessions and anonymous ones have their own. */
export function idleTimeoutOf(userId: string | undefined, options: ResolvedSessionOptions): number {
  return userId === undefined ? options.anonymousIdleTimeout : options.idleTimeout;
}

/** When the session ends if unused: its idle deadline, capped by its absolute one. */
export function expiresAtOf(times: SessionTimes, options: ResolvedSessionOptions): number {
  return Math.min(times.lastSeenAt + idleTimeoutOf(times.userId, options), times.deadline);
}

/**
 * Whether a session is live at `now`: before its idle and its absolute deadline. Used where the process
 * judges a session it read (device lists, counts, socket checks, the in-memory store); the Redis store's
 * reads judge the same formula by the server's clock (`RedisSessionStore.load`), and the scripts by `TIME`.
 */
export function isLiveAt(times: SessionTimes, now: number, options: ResolvedSessionOptions): boolean {
  return now < expiresAtOf(times, options);
}
