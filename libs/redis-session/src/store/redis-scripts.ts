import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { LuaScript } from './lua-script.js';
import { RecordField, dataKeyOfField, fieldOfDataKey } from './record-fields.js';
import type {
  FieldChanges,
  IndexAddResult,
  NewSessionRecord,
  RetireResult,
  SessionForward,
  SignedInCreation,
  WrittenTimes,
} from './session-record.js';
import { EXPIRED_GRACE, type IndexAddOptions } from './session-store.js';

/**
 * The Lua scripts of the Redis store (each `.lua` file documents its keys, arguments, replies and
 * invariants at the top), and how their arguments are built and their replies read.
 */
export const SCRIPTS = {
  /** A read due for an idle-timer refresh (every `touchAfter`); reads themselves are a plain HGETALL. */
  touch: new LuaScript('touch-session.lua'),
  /** A new session's first save, and a rotation's successor. */
  create: new LuaScript('create-session.lua'),
  /** A save's changed keys, within `maxSessionBytes`. */
  update: new LuaScript('update-session.lua'),
  /** A signed-in session into its user's index, under the per-user limit. */
  indexAdd: new LuaScript('index-add.lua'),
  /** Both at once for a login or regenerate, where one script may touch both keys (not on a cluster). */
  createSignedIn: new LuaScript('create-signed-in-session.lua', {
    createSession: 'create-session.lua',
    indexAdd: 'index-add.lua',
  }),
  /** Revocation: delete only the owner's session. */
  deleteOwned: new LuaScript('delete-owned-session.lua'),
  /** The gate of a rotation: live record → tombstone. */
  retire: new LuaScript('retire-session.lua'),
  /** A rotation refused after its retire: the record back. */
  restore: new LuaScript('restore-session.lua'),
  /** logout() / destroy(). */
  end: new LuaScript('end-session.lua'),
  /** "Sign out everywhere": the index's members, taken in one step. */
  indexTake: new LuaScript('index-take.lua'),
} as const;

/** Script replies that are codes instead of a record. */
export const REPLY = {
  forward: 4,
  tooLarge: 5,
} as const;

/** index-add.lua's refusals: the member a rotation replaces is gone; "sign out everywhere" ran after the login. */
export const INDEX_REFUSED = { replacedGone: 2, revoked: 3 } as const;

/**
 * How long index-take.lua's revocation mark stands: longer than any login takes between writing its
 * record and indexing it, so none that started before a "sign out everywhere" survives it. On one server
 * the two are one script; on a cluster they are two commands, each bounded by `commandTimeout`, with the
 * replicas' acknowledgement (`waitForReplicas`, half of it) between: a minute, or three command timeouts
 * when those are longer.
 */
export function revocationMarkMs(commandTimeout: number): number {
  return Math.max(60_000, 3 * commandTimeout);
}

/** Device metadata is small by design: a few labels, not a second session. */
const MAX_METADATA_BYTES = 1_024;

/** A script's `{ 4, successor, former owner, successor's owner, forwarding }` reply. */
export function forwardOf(reply: readonly unknown[]): SessionForward {
  const [, to, former, next, forwarding] = reply as [number, string, string, string, number];
  return {
    to,
    formerUserId: former === '' ? undefined : former,
    userId: next === '' ? undefined : next,
    forwarding: forwarding === 1,
  };
}

/** create-session.lua's arguments for a record. */
export function createArgs(record: NewSessionRecord, options: ResolvedSessionOptions): (string | number)[] {
  const args: (string | number)[] = [
    options.idleTimeout,
    options.anonymousIdleTimeout,
    EXPIRED_GRACE,
    options.absoluteTimeout,
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
  return args;
}

/** create-session.lua's reply for a record it wrote. */
export function writtenTimesOf(reply: readonly unknown[]): WrittenTimes {
  const [now, createdAt, deadline, authenticatedAt] = reply as number[];
  return {
    now: now!,
    createdAt: createdAt!,
    lastSeenAt: now!,
    deadline: deadline!,
    authenticatedAt: authenticatedAt === -1 ? undefined : authenticatedAt,
  };
}

/** index-add.lua's reply, as the store reports it. */
export function indexAddResultOf(reply: unknown): IndexAddResult {
  const [added, ...members] = reply as [number, ...string[]];
  if (added === INDEX_REFUSED.replacedGone) return { added: false, refused: 'replaced-gone' };
  if (added === INDEX_REFUSED.revoked) return { added: false, refused: 'revoked' };
  return added === 1 ? { added: true, evicted: members } : { added: false, members };
}

/** update-session.lua's arguments for a save's changes. */
export function updateArgs(changes: FieldChanges, options: ResolvedSessionOptions): (string | number)[] {
  const { idleTimeout, anonymousIdleTimeout, maxSessionBytes } = options;
  const args: (string | number)[] = [
    idleTimeout,
    anonymousIdleTimeout,
    EXPIRED_GRACE,
    maxSessionBytes,
    changes.set.size,
  ];
  for (const [key, json] of changes.set) args.push(fieldOfDataKey(key), json);
  for (const key of changes.remove) args.push(fieldOfDataKey(key));
  return args;
}

/** retire-session.lua's reply: the old record's data fields and its whole snapshot, or why not. */
export function retiredOf(reply: unknown): RetireResult {
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

/** What a read makes of a key that holds another type than a hash: not a session. */
export const WRONG_TYPE = Symbol('wrong type');

/** A read's failure: `WRONG_TYPE` for a key of another type; anything else is trouble, thrown on. */
export function notAHash(error: unknown): typeof WRONG_TYPE {
  if (error instanceof Error && error.message.startsWith('WRONGTYPE')) return WRONG_TYPE;
  throw error;
}

/** create-signed-in-session.lua's arguments: create-session.lua's, counted, then index-add.lua's. */
export function createSignedInArgs(
  publicId: string,
  record: NewSessionRecord,
  index: Omit<IndexAddOptions, 'authenticatedAt'>,
  options: ResolvedSessionOptions,
): (string | number)[] {
  const create = createArgs(record, options);
  return [create.length, ...create, publicId, index.limit, index.policy, index.replaces ?? ''];
}

/** create-signed-in-session.lua's reply. */
export function signedInCreationOf(reply: unknown): SignedInCreation {
  if (!Array.isArray(reply)) return { created: false };
  const [created, indexed] = reply as [unknown[], unknown];
  return { created: true, times: writtenTimesOf(created), indexed: indexAddResultOf(indexed) };
}
