import { ExpiringMap } from './expiring-map.js';
import type { SessionForward, TombstoneTimes } from './session-record.js';

/** What a rotation leaves under the old ID: where the session went, and the record it retired. */
interface MemoryTombstone<R> {
  readonly forward: Omit<SessionForward, 'forwarding'>;
  /** Requests with the old ID are forwarded until then; never when it is 0. */
  readonly forwardUntil: number;
  /** The record as it was retired, for `restore`. */
  readonly retired: R;
  readonly expiresAt: number;
}

/**
 * The in-memory store's rotation tombstones, with the semantics of retire-session.lua's: a forwarding
 * window (`rotationGracePeriod`) inside a longer life, during which ends, revokes and further rotations
 * see the session as moved; never beyond the session's absolute deadline.
 */
export class MemoryTombstones<R> {
  private readonly tombstones = new ExpiringMap<MemoryTombstone<R>>();

  /** Leaves a tombstone for `publicId`, whose record `retired` moved to `forward.to`. */
  leave(
    publicId: string,
    forward: Omit<SessionForward, 'forwarding'>,
    retired: R,
    times: TombstoneTimes,
    deadline: number,
    now: number,
  ): void {
    this.tombstones.set(publicId, {
      forward,
      forwardUntil: times.forwardMs > 0 ? now + times.forwardMs : 0,
      retired,
      expiresAt: Math.min(now + times.holdMs, deadline),
    });
  }

  /** Whether `publicId` is a tombstone: its session moved (to the successor named). */
  movedTo(publicId: string, now: number): string | undefined {
    return this.tombstones.get(publicId, now)?.forward.to;
  }

  /** The forward of a tombstone, saying whether `now` is within its forwarding window. */
  forwardOf(publicId: string, now: number): SessionForward | undefined {
    const tombstone = this.tombstones.get(publicId, now);
    if (tombstone === undefined) return undefined;
    return { ...tombstone.forward, forwarding: now < tombstone.forwardUntil };
  }

  /** Takes back the retired record, if the tombstone still names `successor`; the tombstone goes. */
  restore(publicId: string, successor: string, now: number): R | undefined {
    const tombstone = this.tombstones.get(publicId, now);
    if (tombstone?.forward.to !== successor) return undefined;
    this.tombstones.delete(publicId);
    return tombstone.retired;
  }

  /**
   * `forwardOf` for a revoke or eviction of `userId`'s session: a tombstone that session left is deleted
   * too, as delete-owned-session.lua deletes it, so a rotation refused after this cannot `restore` it.
   */
  revokedFrom(publicId: string, userId: string, now: number): SessionForward | undefined {
    const forward = this.forwardOf(publicId, now);
    if (forward?.formerUserId === userId) this.tombstones.delete(publicId);
    return forward;
  }

  /** Drops every tombstone that has expired. */
  sweep(now: number): void {
    this.tombstones.sweep(now);
  }
}
