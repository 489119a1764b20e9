import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { LuaScript, type RedisClient } from './lua-script.js';
import { parseRecord } from './parse-record.js';
import { fieldOfDataKey } from './record-fields.js';
import type { FieldChanges, LoadResult, NewSessionRecord, WrittenTimes } from './session-record.js';
import { SessionRepository } from './session.repository.js';
import { withTimeout } from './with-timeout.js';

const LOAD = new LuaScript('load-session.lua');
const CREATE = new LuaScript('create-session.lua');
const UPDATE = new LuaScript('update-session.lua');

/** Lua scripts answer with these codes instead of a record. */
const NO_RECORD = 0;
const MALFORMED = 1;
const EXPIRED = 2;

/**
 * Sessions in Redis: one hash per session at `<keyPrefix>{<publicId>}`, each request's read in one
 * script call and each save in one more. The braces make every record its own cluster hash tag, so each
 * script touches one slot.
 */
export class RedisSessionRepository extends SessionRepository {
  /** Every script is loaded into this client's servers at bootstrap; see `preloadScripts`. */
  static readonly scripts: readonly LuaScript[] = [LOAD, CREATE, UPDATE];

  constructor(
    private readonly client: RedisClient,
    private readonly options: ResolvedSessionOptions,
  ) {
    super();
  }

  /** The Redis key of a session: the prefix and the public ID as a hash tag. */
  keyOf(publicId: string): string {
    return `${this.options.keyPrefix}{${publicId}}`;
  }

  async load(publicId: string): Promise<LoadResult> {
    const reply = await this.call(
      LOAD.run(this.client, this.keyOf(publicId), [this.options.idleTimeout, this.options.touchAfter]),
    );
    if (reply === NO_RECORD) return { missing: 'unknown' };
    if (reply === EXPIRED) return { missing: 'expired' };
    if (reply === MALFORMED || !Array.isArray(reply)) return { missing: 'malformed' };
    const [now, lastSeenAt, touched, ...flat] = reply as [number, number, number, ...string[]];
    const record = parseRecord(flat, now, lastSeenAt, touched === 1);
    return record ? { record } : { missing: 'malformed' };
  }

  async create(publicId: string, record: NewSessionRecord): Promise<WrittenTimes | undefined> {
    const args: (string | number)[] = [
      this.options.idleTimeout,
      this.options.absoluteTimeout,
      record.createdAt ?? '',
      record.deadline ?? '',
      record.userId ?? '',
      record.userId === undefined ? '' : (record.authenticatedAt ?? 'now'),
    ];
    for (const [key, json] of record.fields) args.push(fieldOfDataKey(key), json);
    const reply = await this.call(CREATE.run(this.client, this.keyOf(publicId), args));
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

  async update(publicId: string, changes: FieldChanges): Promise<boolean> {
    const args: (string | number)[] = [this.options.idleTimeout, changes.set.size];
    for (const [key, json] of changes.set) args.push(fieldOfDataKey(key), json);
    for (const key of changes.remove) args.push(fieldOfDataKey(key));
    const reply = await this.call(UPDATE.run(this.client, this.keyOf(publicId), args));
    return Array.isArray(reply);
  }

  async delete(publicId: string): Promise<boolean> {
    const removed = await this.call(this.client.unlink(this.keyOf(publicId)));
    return removed === 1;
  }

  /** Bounds every command by `commandTimeout`, whatever the client's own settings (S30). */
  private call<T>(pending: Promise<T>): Promise<T> {
    return withTimeout(pending, this.options.commandTimeout);
  }
}
