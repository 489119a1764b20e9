import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { LuaScript, RedisClient } from './lua-script.js';
import { METADATA_FIELDS, parseMetadataFields, parseRecord, parseTombstone } from './parse-record.js';
import { RedisUserIndexes } from './redis-user-indexes.js';
import { ServerClock } from './server-clock.js';
import {
  createArgs,
  createSignedInArgs,
  forwardOf,
  notAHash,
  REPLY,
  retiredOf,
  revocationMarkMs,
  SCRIPTS,
  updateArgs,
  signedInCreationOf,
  writtenTimesOf,
  WRONG_TYPE,
} from './redis-scripts.js';
import { ReplicatedWrites } from './replica-ack.js';
import { isClusterClient } from './redis-topology.js';
import type {
  DeleteOwnedResult,
  EndResult,
  FieldChanges,
  IndexAddResult,
  LoadResult,
  MetadataLookup,
  NewSessionRecord,
  RetireResult,
  SignedInCreation,
  TombstoneTimes,
  TouchResult,
  UpdateResult,
  WrittenTimes,
} from './session-record.js';
import { EXPIRED_GRACE, SessionStore, type IndexAddOptions } from './session-store.js';
import { toStoreError, withTimeout } from './with-timeout.js';

/**
 * Sessions in Redis: one hash per session at `<keyPrefix>{<publicId>}`, each request's read one plain
 * `HGETALL` and each save one script call; one sorted set per user at `<keyPrefix>u:{<SHA-256 of the user
 * ID>}`. The braces make every key its own cluster hash tag, so each script touches one slot (but
 * create-signed-in-session.lua, which is not run on a cluster).
 */
export class RedisSessionStore extends SessionStore {
  /** Every script is loaded into the server at bootstrap; see `connectAndPreload`. */
  static readonly scripts: readonly LuaScript[] = Object.values(SCRIPTS);

  /** Logins and logouts, acknowledged by replicas when `waitForReplicas` is set. */
  private readonly replicated: ReplicatedWrites;
  /** The server's clock, by which reads judge deadlines. */
  private readonly clock: ServerClock;
  /** The per-user indexes. */
  private readonly indexes: RedisUserIndexes;
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
    this.clock = new ServerClock(client);
    this.indexes = new RedisUserIndexes(client, options.keyPrefix, this.call, revocationMarkMs(options.commandTimeout));
  }

  /** The Redis key of a session: the prefix and the public ID as a hash tag. */
  keyOf(publicId: string): string {
    return `${this.options.keyPrefix}{${publicId}}`;
  }

  /** Measures the server's clock, so no request waits for it. */
  override warmUp(): Promise<void> {
    return this.clock.sync();
  }

  /**
   * Reads a session with a plain `HGETALL` (one round trip) and judges its deadlines here, by the server's
   * clock (`ServerClock`), as the scripts judge them by `TIME`; an expired record is deleted.
   */
  async load(publicId: string): Promise<LoadResult> {
    const key = this.keyOf(publicId);
    // The upper-case name skips ioredis' reply transformer, which would build an object: the flat list is
    // read in place. Any other type than a hash answers WRONGTYPE: not a session.
    const reading = this.call(this.client.call('HGETALL', key).catch(notAHash));
    // The clock is measured at startup; only a read before that waits for it, alongside its HGETALL.
    const known = this.clock.nowIfMeasured();
    const [flat, now] = known === undefined ? await Promise.all([reading, this.clock.now()]) : [await reading, known];
    if (flat === WRONG_TYPE) return { missing: 'malformed' };
    if (!Array.isArray(flat) || flat.length === 0) return { missing: 'unknown' };
    const forward = parseTombstone(flat, now);
    if (forward !== undefined) return { forward };
    const record = parseRecord(flat, now);
    if (record === undefined) return { missing: 'malformed' };
    const idle = record.userId !== undefined ? this.options.idleTimeout : this.options.anonymousIdleTimeout;
    if (now >= record.deadline || now >= record.lastSeenAt + idle) {
      await this.call(this.client.unlink(key));
      return { missing: 'expired', expiredBy: now >= record.deadline ? 'absolute' : 'idle' };
    }
    return { record };
  }

  /** Runs touch-session.lua and, for a signed-in session, asks its index (`ZSCORE`), at once. */
  async touch(publicId: string, userId: string | undefined): Promise<TouchResult> {
    const args = [this.options.idleTimeout, this.options.anonymousIdleTimeout, EXPIRED_GRACE];
    const [reply, score] = await this.call(
      Promise.all([
        SCRIPTS.touch.run(this.client, this.keyOf(publicId), args),
        userId === undefined ? undefined : this.indexes.score(userId, publicId),
      ]),
    );
    const indexed = userId === undefined ? undefined : score !== null;
    if (Array.isArray(reply)) return { touched: true, lastSeenAt: reply[0] as number, indexed };
    return { touched: false, gone: reply === 0 || reply === 2, moved: reply === 2, indexed };
  }

  /** Runs create-session.lua: writes the record only where no key exists. */
  async create(publicId: string, record: NewSessionRecord): Promise<WrittenTimes | undefined> {
    await this.clock.measured(); // its cookie's Max-Age is counted on the estimate, against the deadline set here
    const args = createArgs(record, this.options);
    const key = this.keyOf(publicId);
    const signedIn = record.userId !== undefined;
    const reply = await this.replicated.write(
      key,
      signedIn,
      (client) => SCRIPTS.create.run(client, key, args),
      Array.isArray,
    );
    return Array.isArray(reply) ? writtenTimesOf(reply) : undefined;
  }

  /**
   * Runs create-signed-in-session.lua: the record and its index entry in one step and one round trip.
   * A cluster keeps the two keys in different slots, so there the two scripts run one after the other.
   */
  override async createSignedIn(
    publicId: string,
    record: NewSessionRecord & { readonly userId: string },
    index: Omit<IndexAddOptions, 'authenticatedAt'>,
  ): Promise<SignedInCreation> {
    await this.clock.measured(); // as in create
    if (isClusterClient(this.client)) return super.createSignedIn(publicId, record, index);
    const key = this.keyOf(publicId);
    const keys = [key, ...this.indexes.keysOf(record.userId)];
    const args = createSignedInArgs(publicId, record, index, this.options);
    const run = (client: RedisClient) => SCRIPTS.createSignedIn.run(client, keys, args);
    return signedInCreationOf(await this.replicated.write(key, true, run, Array.isArray));
  }

  /** Runs update-session.lua: the changed fields, within `maxSessionBytes`, only while the record lives. */
  async update(publicId: string, changes: FieldChanges): Promise<UpdateResult> {
    const reply = await this.call(
      SCRIPTS.update.run(this.client, this.keyOf(publicId), updateArgs(changes, this.options)),
    );
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
    return retiredOf(reply);
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

  indexAdd(userId: string, publicId: string, deadline: number, options: IndexAddOptions): Promise<IndexAddResult> {
    return this.indexes.add(userId, publicId, deadline, options);
  }

  indexRemove(userId: string, publicIds: readonly string[]): Promise<void> {
    return this.indexes.remove(userId, publicIds);
  }

  indexTake(userId: string, keep?: string): Promise<string[]> {
    return this.indexes.take(userId, keep);
  }

  async indexMembers(userId: string): Promise<string[]> {
    await this.clock.measured();
    return this.indexes.members(userId, this.now());
  }

  now(): number {
    return this.clock.nowIfMeasured() ?? Date.now();
  }

  indexHas(userId: string, publicId: string): Promise<boolean> {
    return this.indexes.has(userId, publicId);
  }
}
