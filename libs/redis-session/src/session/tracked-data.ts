import { SessionTooLargeException } from '../errors/session-too-large.exception.js';
import { dataBytesOf } from '../store/record-fields.js';
import { decodeValue, encodeValue } from './session-data.codec.js';

/** A save's changes: what to set and remove, and every key's JSON once they are written. */
export interface DataChanges {
  readonly set: ReadonlyMap<string, string>;
  readonly remove: readonly string[];
  readonly current: ReadonlyMap<string, string>;
}

/**
 * A session's data as the handler sees it (`session.data`), with the JSON of every key as last loaded or
 * written: the baseline a save compares with, so it writes only the keys whose JSON changed.
 */
export class TrackedData {
  /** The handler has seen the data; until then nothing can have changed and a save costs nothing. */
  private exposed = false;

  private constructor(
    private values: Record<string, unknown>,
    /** The record's map is this load's own: kept as it is, never changed in place (a new map replaces it). */
    private baseline: ReadonlyMap<string, string>,
  ) {}

  /** No data, nothing stored. */
  static empty(): TrackedData {
    return new TrackedData({}, new Map());
  }

  /** The data of a stored record; `undefined` when a value does not parse (S25, S31): no session. */
  static fromFields(fields: ReadonlyMap<string, string>): TrackedData | undefined {
    const values: Record<string, unknown> = {};
    for (const [key, json] of fields) {
      const decoded = decodeValue(json);
      if (!decoded || key === '__proto__') return undefined;
      values[key] = decoded.value;
    }
    return new TrackedData(values, fields);
  }

  /** The handler's view (`session.data`). */
  get view(): Record<string, unknown> {
    this.exposed = true;
    return this.values;
  }

  /** `session.data = {...}`: replaces every key (the old ones are removed at save). */
  replace(value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeError('session.data must be a plain object');
    }
    this.exposed = true;
    this.values = { ...(value as Record<string, unknown>) };
  }

  /** Copies `data` in (`login(userId, data)`); an own `__proto__` key is left out. */
  assign(data: object): void {
    const target = this.view;
    for (const key of Object.keys(data)) {
      if (key !== '__proto__') target[key] = (data as Record<string, unknown>)[key];
    }
  }

  /** Whether the handler has seen the data, so it may have changed it. */
  get touched(): boolean {
    return this.exposed;
  }

  /** The JSON of every key as last loaded or written. */
  get stored(): ReadonlyMap<string, string> {
    return this.baseline;
  }

  /** Whether the view has no keys. */
  get isEmpty(): boolean {
    return Object.keys(this.values).length === 0;
  }

  /**
   * Every data key as JSON. An own `__proto__` key (from `session.data = JSON.parse(input)`, or a spread of
   * such an object) is left out: a record holding one is refused on load, which would sign the user out.
   * @throws SessionSerializationError for a value JSON cannot hold (S34).
   */
  encode(): Map<string, string> {
    const fields = new Map<string, string>();
    for (const key of Object.keys(this.values)) {
      if (key === '__proto__') continue;
      const json = encodeValue(key, this.values[key]);
      if (json !== undefined) fields.set(key, json);
    }
    return fields;
  }

  /** What a save must write, or `undefined` when nothing changed (or the handler never saw the data). */
  changes(): DataChanges | undefined {
    if (!this.exposed) return undefined;
    const current = this.encode();
    const set = new Map<string, string>();
    const remove: string[] = [];
    for (const [key, json] of current) if (this.baseline.get(key) !== json) set.set(key, json);
    for (const key of this.baseline.keys()) if (!current.has(key)) remove.push(key);
    return set.size === 0 && remove.length === 0 ? undefined : { set, remove, current };
  }

  /** The store now holds `fields`: the new baseline. */
  saved(fields: ReadonlyMap<string, string>): void {
    this.baseline = fields;
  }

  /**
   * After a rotation stored `stored` where this request's own view was `own`: the view takes the keys
   * other requests wrote meanwhile, so a save after this does not undo them.
   */
  takeStored(own: ReadonlyMap<string, string>, stored: ReadonlyMap<string, string>): void {
    for (const [key, json] of stored) {
      if (own.get(key) === json) continue;
      const decoded = decodeValue(json);
      if (decoded !== undefined && key !== '__proto__') this.values[key] = decoded.value;
    }
    for (const key of own.keys()) if (!stored.has(key)) delete this.values[key];
    this.baseline = stored;
  }
}

/**
 * Refuses data over `maxSessionBytes` that grew past it from `before` (413), before anything is written.
 * Data that was already over the limit (the limit was lowered) and did not grow passes, so a session
 * can always be shrunk back under it. A save of an existing record is checked in the store instead,
 * against what the record holds then (update-session.lua).
 */
export function ensureWithinLimit(
  fields: ReadonlyMap<string, string>,
  before: ReadonlyMap<string, string>,
  maxSessionBytes: number,
): void {
  const size = dataBytesOf(fields);
  if (size > maxSessionBytes && size > dataBytesOf(before)) {
    throw new SessionTooLargeException(size, maxSessionBytes);
  }
}
