import type { SessionEvents } from '../events/session-events.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { LuaScript, type RedisClient } from './lua-script.js';
import { METADATA_FIELDS, parseMetadataFields, parseRecord } from './parse-record.js';
import { RecordField, dataKeyOfField, fieldOfDataKey } from './record-fields.js';
import { ReplicatedWrites } from './replica-ack.js';
import type {
  FieldChanges,
  IndexAddResult,
  LoadResult,
  NewSessionRecord,
  SessionMetadata,
  UpdateResult,
  WrittenTimes,
} from './session-record.js';
import { EXPIRED_GRACE, SessionRepository, userIndexIdOf, type IndexAddOptions } from './session.repository.js';
import { toStoreError, withTimeout } from './with-timeout.js';

const LOAD = new LuaScript('load-session.lua');
const CREATE = new LuaScript('create-session.lua');
const UPDATE = new LuaScript('update-session.lua');
const INDEX_ADD = new LuaScript('index-add.lua');
const DELETE_OWNED = new LuaScript('delete-owned-session.lua');
const RETIRE = new LuaScript('retire-session.lua');

/** Lua scripts answer with these codes instead of a record. */
const NO_RECORD = 0;
const MALFORMED = 1;
const IDLE_EXPIRED = 2;
const PAST_DEADLINE = 3;
const FORWARD = 4;

/** Device metadata is small by design: a few labels, not a second session. */
const MAX_METADATA_BYTES = 1_024;

/**
 * Sessions in Redis: one hash per session at `<keyPrefix>{<publicId>}`, each request's read in one
 * script call and each save in one more; one sorted set per user at `<keyPrefix>u:{<SHA-256 of the user
 * ID>}`. The braces make every key its own cluster hash tag, so each script touches one slot.
 */
export class RedisSessionRepository extends SessionRepository {
  /** Every script is loaded into the server at bootstrap; see `connectAndPreload`. */
  static readonly scripts: readonly LuaScript[] = [LOAD, CREATE, UPDATE, INDEX_ADD, DELETE_OWNED, RETIRE];

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
    options: ResolvedSessionOptions,
    events?: SessionEvents,
    clientBoundsCommands = false,
  ) {
    super(options, events);
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

  async load(publicId: string): Promise<LoadResult> {
    const { idleTimeout, touchAfter } = this.options;
    const reply = await this.call(
      LOAD.run(this.client, this.keyOf(publicId), [idleTimeout, touchAfter, EXPIRED_GRACE]),
    );
    if (reply === NO_RECORD) return { missing: 'unknown' };
    if (reply === IDLE_EXPIRED) return { missing: 'expired', expiredBy: 'idle' };
    if (reply === PAST_DEADLINE) return { missing: 'expired', expiredBy: 'absolute' };
    if (reply === MALFORMED || !Array.isArray(reply)) return { missing: 'malformed' };
    if (reply[0] === FORWARD) {
      const [, to, former] = reply as [number, string, string];
      return { forward: { to, formerUserId: former === '' ? undefined : former } };
    }
    const record = parseRecord(reply, reply[0] as number, reply[1] as number, reply[2] === 1, 3);
    return record ? { record } : { missing: 'malformed' };
  }

  async create(publicId: string, record: NewSessionRecord): Promise<WrittenTimes | undefined> {
    const args: (string | number)[] = [
      this.options.idleTimeout,
      EXPIRED_GRACE,
      this.options.absoluteTimeout,
      record.createdAt ?? '',
      record.deadline ?? '',
      record.userId ?? '',
      record.userId === undefined ? '' : (record.authenticatedAt ?? 'now'),
    ];
    const { device } = record;
    if (device?.userAgent) args.push(RecordField.userAgent, device.userAgent);
    if (device?.ip) args.push(RecordField.ip, device.ip);
    if (device?.metadata) {
      const json = JSON.stringify(device.metadata);
      if (json.length <= MAX_METADATA_BYTES) args.push(RecordField.metadata, json);
    }
    for (const [key, json] of record.fields) args.push(fieldOfDataKey(key), json);
    const key = this.keyOf(publicId);
    const signedIn = record.userId !== undefined;
    const reply = await this.replicated.write(key, signedIn, (client) => CREATE.run(client, key, args), Array.isArray);
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

  async update(publicId: string, changes: FieldChanges): Promise<UpdateResult> {
    const args: (string | number)[] = [this.options.idleTimeout, EXPIRED_GRACE, changes.set.size];
    for (const [key, json] of changes.set) args.push(fieldOfDataKey(key), json);
    for (const key of changes.remove) args.push(fieldOfDataKey(key));
    const reply = await this.call(UPDATE.run(this.client, this.keyOf(publicId), args));
    if (!Array.isArray(reply)) return { written: false };
    return reply[0] === FORWARD ? { written: false, forwardTo: reply[1] as string } : { written: true };
  }

  async delete(publicId: string): Promise<boolean> {
    const key = this.keyOf(publicId);
    const run = (client: RedisClient) => client.unlink(key);
    return (await this.replicated.write(key, true, run, (n) => n === 1)) === 1;
  }

  async retire(publicId: string, successor: string, graceMs: number): Promise<ReadonlyMap<string, string> | undefined> {
    // Acknowledged like a login: a failover that lost the tombstone would bring the old ID back as it was
    // (signed in, after a regenerate), which is what rotating the ID is meant to end.
    const key = this.keyOf(publicId);
    const run = (client: RedisClient) => RETIRE.run(client, key, [successor, graceMs]);
    const reply = await this.replicated.write(key, true, run, Array.isArray);
    if (!Array.isArray(reply)) return undefined;
    const fields = new Map<string, string>();
    const flat = reply as [number, ...string[]];
    for (let i = 1; i + 1 < flat.length; i += 2) {
      const key = dataKeyOfField(flat[i] as string);
      if (key !== undefined) fields.set(key, flat[i + 1] as string);
    }
    return fields;
  }

  async deleteOwned(publicId: string, userId: string): Promise<boolean> {
    const key = this.keyOf(publicId);
    const run = (client: RedisClient) => DELETE_OWNED.run(client, key, [userId]);
    return (await this.replicated.write(key, true, run, (n) => n === 1)) === 1;
  }

  async readMetadata(publicIds: readonly string[]): Promise<(SessionMetadata | undefined)[]> {
    // One command per session, all written before any reply is read: one round trip of latency. (A
    // pipeline object would fail on a cluster, where the keys live in different slots.)
    const replies = await this.call(
      Promise.all(publicIds.map((publicId) => this.client.hmget(this.keyOf(publicId), ...METADATA_FIELDS))),
    );
    return replies.map((values) => parseMetadataFields(values));
  }

  async indexAdd(
    userId: string,
    publicId: string,
    deadline: number,
    options: IndexAddOptions,
  ): Promise<IndexAddResult> {
    const reply = (await this.call(
      INDEX_ADD.run(this.client, this.indexKeyOf(userId), [
        publicId,
        deadline,
        options.limit,
        options.policy,
        options.replaces ?? '',
      ]),
    )) as [number, ...string[]];
    const [added, ...members] = reply;
    return added === 1 ? { added: true, evicted: members } : { added: false, members };
  }

  async indexRemove(userId: string, publicIds: readonly string[]): Promise<void> {
    if (publicIds.length === 0) return;
    await this.call(this.client.zrem(this.indexKeyOf(userId), ...publicIds));
  }

  async indexMembers(userId: string): Promise<string[]> {
    return this.call(this.client.zrangebyscore(this.indexKeyOf(userId), `(${Date.now()}`, '+inf'));
  }

  async indexHas(userId: string, publicId: string): Promise<boolean> {
    return (await this.call(this.client.zscore(this.indexKeyOf(userId), publicId))) !== null;
  }


}
