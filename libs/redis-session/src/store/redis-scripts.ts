import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { LuaScript } from './lua-script.js';
import { RecordField, fieldOfDataKey } from './record-fields.js';
import type { NewSessionRecord, SessionForward } from './session-record.js';
import { EXPIRED_GRACE } from './session-store.js';

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
 * record and indexing it (two bounded commands), so none that started before a "sign out everywhere"
 * survives it.
 */
export const REVOCATION_MARK_MS = 60_000;

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
