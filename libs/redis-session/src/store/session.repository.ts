import type { SessionEvents } from '../events/session-events.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { expiresAtOf } from '../session/session-liveness.js';
import { storeCall } from '../session/store-call.js';
import { liveSessionsOf } from './live-sessions.js';
import type { UserSessionSummary } from './session-record.js';
import type { SessionStore } from './session-store.js';

/**
 * A user's sessions, for apps: list them ("where am I signed in?"), count them, sign one out or all of
 * them ("sign out everywhere"). Inject it by type. Every call reads or writes the store directly, so a
 * revoked session is refused on its very next request, on every app instance. When Redis fails or does
 * not answer within `commandTimeout`, a call rejects with `SessionStoreUnavailableException`: a 503 from
 * a controller, as for the session of a request.
 *
 * @example
 * constructor(private readonly sessions: SessionRepository) {}
 * devices(@Session() session: Session) {
 *   return this.sessions.listForUser(session.userId!, { current: session.publicId });
 * }
 */
export class SessionRepository {
  /** Built by the module; apps inject it. */
  constructor(
    private readonly store: SessionStore,
    private readonly options: ResolvedSessionOptions,
    private readonly events: SessionEvents,
  ) {}

  /**
   * The user's live sessions, newest first, with the device facts recorded at login. Index members whose
   * record is gone (expired, or a crash between two steps) are pruned here and reported as `expired`
   * events. Costs two round trips whatever the number of other sessions in the store.
   */
  async listForUser(userId: string, options: { current?: string } = {}): Promise<UserSessionSummary[]> {
    const live = await storeCall(liveSessionsOf(userId, this.store, this.options, this.events));
    return live
      .map(({ publicId, metadata }) => ({
        publicId,
        createdAt: new Date(metadata.createdAt),
        lastSeenAt: new Date(metadata.lastSeenAt),
        expiresAt: new Date(expiresAtOf(metadata, this.options)),
        current: publicId === options.current,
        ...metadata.device,
      }))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  /** How many live sessions the user has. */
  async countForUser(userId: string): Promise<number> {
    return (await storeCall(liveSessionsOf(userId, this.store, this.options, this.events))).length;
  }

  /**
   * Ends one of the user's sessions: its next request is refused, on every app instance. Does nothing,
   * and resolves `false`, when that session is gone or belongs to someone else. A session that a
   * `regenerate()` moved to a new ID moments ago is ended at its new ID.
   */
  revoke(userId: string, publicId: string): Promise<boolean> {
    return storeCall(this.revokeOne(userId, publicId));
  }

  private async revokeOne(userId: string, publicId: string): Promise<boolean> {
    // Unindexed before its record goes: a rotation of this session in flight then fails closed
    // (index-add.lua) instead of indexing a successor this revoke would miss.
    await this.store.indexRemove(userId, [publicId]);
    const ended = await this.endOwned(userId, [publicId]);
    for (const id of ended) this.events.emit({ type: 'revoked', publicId: id, userId, reason: 'revoke' });
    return ended.length > 0;
  }

  /**
   * Ends every session of the user ("sign out everywhere"), or every one but `except` ("sign out all other
   * devices"). Resolves how many were ended. A login or regenerate of the user's that is in flight at the
   * same moment either finishes first (and its new session is ended here) or fails closed.
   */
  revokeAllForUser(userId: string, options: { except?: string } = {}): Promise<number> {
    return storeCall(this.revokeAll(userId, options.except));
  }

  private async revokeAll(userId: string, except: string | undefined): Promise<number> {
    const targets = await this.store.indexTake(userId, except);
    if (targets.length === 0) return 0;
    const ended = await this.endOwned(userId, targets);
    for (const id of ended) this.events.emit({ type: 'revoked', publicId: id, userId, reason: 'revoke-all' });
    return ended.length;
  }

  /**
   * Deletes the user's sessions among `publicIds`, already taken out of the index, following a same-user
   * rotation's tombstone once to the session's new ID. Resolves the public IDs of the sessions ended.
   */
  private async endOwned(userId: string, publicIds: readonly string[]): Promise<string[]> {
    const results = await Promise.all(publicIds.map((publicId) => this.store.deleteOwned(publicId, userId)));
    const ended = publicIds.filter((_, i) => results[i]!.deleted);
    const moved = results.flatMap((result) => (result.movedTo === undefined ? [] : [result.movedTo]));
    if (moved.length > 0) {
      await this.store.indexRemove(userId, moved);
      const followed = await Promise.all(moved.map((publicId) => this.store.deleteOwned(publicId, userId)));
      ended.push(...moved.filter((_, i) => followed[i]!.deleted));
    }
    return ended;
  }
}
