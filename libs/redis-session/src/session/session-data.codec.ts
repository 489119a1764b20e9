import { messageOf } from '../errors/error-message.js';
import { SessionSerializationError } from '../errors/session-serialization.error.js';

/** Deepest nesting a saved value may have. Far beyond real session data, far below a stack overflow. */
export const MAX_DEPTH = 64;

const PROTO_KEY = '"__proto__"';

function rejectProtoKey(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('__proto__ key');
  return value;
}

function dropProtoKey(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

/** Whether JSON text could hold a `__proto__` key: literally, or spelled with `\u` escapes. */
function mayHoldProtoKey(json: string): boolean {
  return json.includes('__proto__') || json.includes('\\u');
}

/**
 * Parses one stored JSON value, or `undefined` when it is not valid JSON or holds a `__proto__` key at
 * any depth: such a record was not written by this library and is no session (S25, S31). The slower,
 * checking parse runs only when the text could contain the key at all (escapes included).
 */
export function decodeValue(json: string): { value: unknown } | undefined {
  try {
    return { value: mayHoldProtoKey(json) ? JSON.parse(json, rejectProtoKey) : JSON.parse(json) };
  } catch {
    return undefined;
  }
}

/** Nesting depth of JSON text: a linear scan that skips strings. */
function depthOf(json: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return max;
}

/**
 * Serializes one top-level data value. `undefined` means "no value" (undefined, a function or a symbol,
 * which JSON cannot hold): the key is removed. `__proto__` keys are dropped so the library never writes a
 * record it would refuse to load.
 * @throws SessionSerializationError for BigInt, cycles and nesting deeper than `MAX_DEPTH` (S33, S34).
 */
export function encodeValue(key: string, value: unknown): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
    if (json?.includes(PROTO_KEY)) json = JSON.stringify(value, dropProtoKey);
  } catch (error) {
    const reason =
      error instanceof RangeError
        ? `it is nested too deeply or too large to serialize (${error.message})`
        : error instanceof TypeError && /BigInt/i.test(error.message)
          ? 'it contains a BigInt'
          : error instanceof TypeError && /circular/i.test(error.message)
            ? 'it contains a circular reference'
            : `JSON.stringify failed (${messageOf(error)})`;
    throw new SessionSerializationError(key, reason, { cause: error });
  }
  if (json !== undefined && json.length > MAX_DEPTH * 2 && depthOf(json) > MAX_DEPTH) {
    throw new SessionSerializationError(key, `it is nested too deeply (the limit is ${MAX_DEPTH} levels)`);
  }
  return json;
}
