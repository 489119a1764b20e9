import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { LuaScript, RedisClient } from './lua-script.js';
import { METADATA_FIELDS, parseMetadataFields, parseRecord } from './parse-record.js';
import { dataKeyOfField, fieldOfDataKey } from './record-fields.js';
import { createArgs, forwardOf, INDEX_REFUSED, REPLY, REVOCATION_MARK_MS, SCRIPTS } from './redis-scripts.js';
import { ReplicatedWrites } from './replica-ack.js';
import type {
  DeleteOwnedResult,
  EndResult,
  FieldChanges,
  IndexAddResult,
  LoadResult,
  MetadataLookup,
  NewSessionRecord,
  RetireResult,
  TombstoneTimes,
  UpdateResult,
  WrittenTimes,
} from './session-record.js';
import { EXPIRED_GRACE, SessionStore, userIndexIdOf, type IndexAddOptions } from './session-store.js';
import { toStoreError, withTimeout } from './with-timeout.js';

/**
 * Sessions in Redis: one hash per session at `<keyPrefix>{<publicId>}`, each request's read in one
 * script call and each save in one more; one sorted set per user at `<keyPrefix>u:{<SHA-256 of the user
 * ID>}`. The braces make every key its own cluster hash tag, so each script touches one slot.
 */
export class RedisSessionStore extends SessionStore {
  /** Every script is loaded into the server at bootstrap; see `connectAndPreload`. */
  static readonly scripts: readonly LuaScript[] = Object.values(SCRIPTS);

  /** Logins and logouts, acknowledged by replicas when `waitForReplicas` is set. */
  private readonly replicated: ReplicatedWrites;
  /**
   * Bounds a command by `commandTimeout`, whatever the client's own settings (S30), and reports its failure
   * as `SessionStoreError`.
   */
  private readonly call: <T>(pending: Promise<T>) => Promise<T>;

  /**
   * @param clientBoundsCommands the client fails every command itself within `commandTimeout` (the module
   *   created it: `commandTimeout` set, no offline queue, no retries), so no timer of our own is needed.
   */
  constructor(
    private readonly client: RedisClient,
    private readonly options: ResolvedSessionOptions,
    clientBoundsCommands = false,
  ) {
    super();
    // A client the module created fails every command within `commandTimeout` itself; a second timer per
    // command would only cost time on every request. The app's own client may queue commands for ever.
    this.call = clientBoundsCommands
      ? (pending) => pending.catch(toStoreError)
      : (pending) => withTimeout(pending, options.commandTimeout);
    this.replicated = new ReplicatedWrites(client, options.waitForReplicas, options.commandTimeout, this.call);
  }

  /** The Redis key of a session: the prefix and the public ID as a hash tag. */
  keyOf(publicId: string): string {
    return `${this.options.keyPrefix}{${publicId}}`;
  }

  /** The Redis key of a user's index. */
  indexKeyOf(userId: string): string {
    return `${this.options.keyPrefix}u:{${userIndexIdOf(userId)}}`;
  }

  /** The Redis key of a user's revocation mark: beside the index, in its slot (same hash tag). */
  private revocationKeyOf(userId: string): string {
    return `${this.options.keyPrefix}r:{${userIndexIdOf(userId)}}`;
  }

  /** Runs load-session.lua: the record, its deadlines checked and its idle timer refreshed when due. */
  async load(publicId: string): Promise<LoadResult> {
    const { idleTimeout, anonymousIdleTimeout, touchAfter, anonymousTouchAfter } = this.options;
    const reply = await this.call(
      SCRIPTS.load.run(this.client, this.keyOf(publicId), [
        idleTimeout,
        anonymousIdleTimeout,
        touchAfter,
        anonymousTouchAfter,
        EXPIRED_GRACE,
      ]),
    );
    if (reply === REPLY.noRecord) return { missing: 'unknown' };
    if (reply === REPLY.idleExpired) return { missing: 'expired', expiredBy: 'idle' };
    if (reply === REPLY.pastDeadline) return { missing: 'expired', expiredBy: 'absolute' };
    if (reply === REPLY.malformed || !Array.isArray(reply)) return { missing: 'malformed' };
    if (reply[0] === REPLY.forward) return { forward: forwardOf(reply) };
    const record = parseRecord(reply, reply[0] as number, reply[1] as number, reply[2] === 1, 3);
    return record ? { record } : { missing: 'malformed' };
  }

  /** Runs create-session.lua: writes the record only where no key exists. */
  async create(publicId: string, record: NewSessionRecord): Promise<WrittenTimes | undefined> {
    const args = createArgs(record, this.options);
    const key = this.keyOf(publicId);
    const signedIn = record.userId !== undefined;
    const reply = await this.replicated.write(
      key,
      signedIn,
      (client) => SCRIPTS.create.run(client, key, args),
      Array.isArray,
    );
    if (!Array.isArray(reply)) return undefined;
    const [now, createdAt, deadline, authenticatedAt] = reply as number[];
    return {
      now: now!,
      createdAt: createdAt!,
      lastSeenAt: now!,
      deadline: deadline!,
      authenticatedAt: authenticatedAt === -1 ? undefined : authenticatedAt,
    };
  }

  /** Runs update-session.lua: the changed fields, within `maxSessionBytes`, only while the record lives. */
  async update(publicId: string, changes: FieldChanges): Promise<UpdateResult> {
    const { idleTimeout, anonymousIdleTimeout, maxSessionBytes } = this.options;
    const args: (string | number)[] = [
      idleTimeout,
      anonymousIdleTimeout,
      EXPIRED_GRACE,
      maxSessionBytes,
      changes.set.size,
    ];
    for (const [key, json] of changes.set) args.push(fieldOfDataKey(key), json);
    for (const key of changes.remove) args.push(fieldOfDataKey(key));
    const reply = await this.call(SCRIPTS.update.run(this.client, this.keyOf(publicId), args));
    if (!Array.isArray(reply)) return { written: false };
    if (reply[0] === REPLY.forward) return { written: false, forward: forwardOf(reply) };
    if (reply[0] === REPLY.tooLarge) return { written: false, tooLarge: reply[1] as number };
    return { written: true };
  }

  async delete(publicId: string): Promise<boolean> {
    const key = this.keyOf(publicId);
    const run = (client: RedisClient) => client.unlink(key);
    return (await this.replicated.write(key, true, run, (n) => n === 1)) === 1;
  }

  /** Runs end-session.lua: deletes the record unless a rotation moved it. */
  async end(publicId: string): Promise<EndResult> {
    const key = this.keyOf(publicId);
    const run = (client: RedisClient) => SCRIPTS.end.run(client, key, []);
    const reply = await this.replicated.write(key, true, run, (r) => r === 1);
    if (Array.isArray(reply)) return { movedTo: reply[1] as string };
    return reply === 1 ? 'ended' : 'absent';
  }

  /** Runs retire-session.lua, the gate of a rotation: a live record becomes a tombstone to `successor`. */
  async retire(
    publicId: string,
    successor: string,
    successorUserId: string | undefined,
    times: TombstoneTimes,
  ): Promise<RetireResult> {
    // Acknowledged like a login: a failover that lost the tombstone would bring the old ID back as it was
    // (signed in, after a regenerate), which is what rotating the ID is meant to end.
    const key = this.keyOf(publicId);
    const { idleTimeout, anonymousIdleTimeout } = this.options;
    const args = [successor, times.forwardMs, times.holdMs, idleTimeout, anonymousIdleTimeout, successorUserId ?? ''];
    const run = (client: RedisClient) => SCRIPTS.retire.run(client, key, args);
    const reply = await this.replicated.write(key, true, run, (r) => Array.isArray(r) && r[0] === 1);
    if (!Array.isArray(reply)) return { retired: false };
    if (reply[0] === REPLY.forward) return { retired: false, movedTo: reply[1] as string };
    const snapshot = (reply as unknown[]).slice(1) as string[];
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < snapshot.length; i += 2) {
      const key = dataKeyOfField(snapshot[i]!);
      if (key !== undefined) fields.set(key, snapshot[i + 1]!);
    }
    return { retired: true, fields, snapshot };
  }

  /** Runs restore-session.lua: the retired record back, while its tombstone still names `successor`. */
  async restore(publicId: string, successor: string, snapshot: readonly string[]): Promise<boolean> {
    const key = this.keyOf(publicId);
    const { idleTimeout, anonymousIdleTimeout } = this.options;
    const args = [successor, idleTimeout, anonymousIdleTimeout, EXPIRED_GRACE, ...snapshot];
    const run = (client: RedisClient) => SCRIPTS.restore.run(client, key, args);
    return (await this.replicated.write(key, true, run, (r) => r === 1)) === 1;
  }

  /** Runs delete-owned-session.lua: deletes the record only if `userId` owns it. */
  async deleteOwned(publicId: string, userId: string): Promise<DeleteOwnedResult> {
    const key = this.keyOf(publicId);
    const run = (client: RedisClient) => SCRIPTS.deleteOwned.run(client, key, [userId]);
    const reply = await this.replicated.write(key, true, run, (n) => n === 1);
    if (Array.isArray(reply)) return { deleted: false, movedTo: reply[1] as string };
    return { deleted: reply === 1 };
  }

  async readMetadata(publicIds: readonly string[]): Promise<MetadataLookup[]> {
    // One command per session, all written before any reply is read: one round trip of latency. (A
    // pipeline object would fail on a cluster, where the keys live in different slots.)
    const replies = await this.call(
      Promise.all(publicIds.map((publicId) => this.client.hmget(this.keyOf(publicId), ...METADATA_FIELDS))),
    );
    return replies.map((values) => parseMetadataFields(values));
  }

  /** Runs index-add.lua: adds the session under the per-user limit, swapping out the one it replaces. */
  async indexAdd(
    userId: string,
    publicId: string,
    deadline: number,
    options: IndexAddOptions,
  ): Promise<IndexAddResult> {
    const keys = [this.indexKeyOf(userId), this.revocationKeyOf(userId)];
    const reply = (await this.call(
      SCRIPTS.indexAdd.run(this.client, keys, [
        publicId,
        deadline,
        options.limit,
        options.policy,
        options.replaces ?? '',
        options.authenticatedAt,
      ]),
    )) as [number, ...string[]];
    const [added, ...members] = reply;
    if (added === INDEX_REFUSED.replacedGone) return { added: false, refused: 'replaced-gone' };
    if (added === INDEX_REFUSED.revoked) return { added: false, refused: 'revoked' };
    return added === 1 ? { added: true, evicted: members } : { added: false, members };
  }

  async indexRemove(userId: string, publicIds: readonly string[]): Promise<void> {
    if (publicIds.length === 0) return;
    await this.call(this.client.zrem(this.indexKeyOf(userId), ...publicIds));
  }

  /** Runs index-take.lua: removes and returns every member but `keep`, in one step. */
  async indexTake(userId: string, keep?: string): Promise<string[]> {
    const keys = [this.indexKeyOf(userId), this.revocationKeyOf(userId)];
    return (await this.call(SCRIPTS.indexTake.run(this.client, keys, [keep ?? '', REVOCATION_MARK_MS]))) as string[];
  }

  async indexMembers(userId: string): Promise<string[]> {
    return this.call(this.client.zrangebyscore(this.indexKeyOf(userId), `(${Date.now()}`, '+inf'));
  }

  async indexHas(userId: string, publicId: string): Promise<boolean> {
    return (await this.call(this.client.zscore(this.indexKeyOf(userId), publicId))) !== null;
  }
}
