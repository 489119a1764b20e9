import { RedisSessionError } from '../errors/redis-session.error.js';
import { SessionSerializationError } from '../errors/session-serialization.error.js';
import { MAX_DEPTH, decodeValue, encodeValue } from './session-data.codec.js';

/** An object nested `depth` levels deep: `{"a":{"a":...{}}}`. */
function nestedObject(depth: number): unknown {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

/** An array nested `depth` levels deep: `[[...[]]]`. */
function nestedArray(depth: number): unknown {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

function serializationErrorOf(key: string, value: unknown): SessionSerializationError {
  try {
    encodeValue(key, value);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionSerializationError);
    expect(error).toBeInstanceOf(RedisSessionError);
    return error as SessionSerializationError;
  }
  throw new Error('encodeValue did not throw');
}

const prototypeNames = () => Object.getOwnPropertyNames(Object.prototype).sort();

describe('decodeValue', () => {
  it('parses valid JSON into a wrapped value, including null and falsy values', () => {
    expect(decodeValue('{"a":[1,"b",{"c":null}]}')).toEqual({ value: { a: [1, 'b', { c: null }] } });
    expect(decodeValue('null')).toEqual({ value: null });
    expect(decodeValue('0')).toEqual({ value: 0 });
    expect(decodeValue('false')).toEqual({ value: false });
    expect(decodeValue('""')).toEqual({ value: '' });
  });

  it.each([
    ['an empty string', ''],
    ['a truncated object', '{"a":'],
    ['a bare word', 'undefined'],
    ['NaN', 'NaN'],
    ['single quotes', "{'a':1}"],
    ['a trailing comma', '[1,2,]'],
    ['two values', '1 2'],
    ['a byte-order mark before the value', '\uFEFF{"a":1}'],
    ['a byte-order mark alone', '\uFEFF'],
  ])('S25: gives undefined for %s', (_label, json) => {
    expect(decodeValue(json)).toBeUndefined();
  });

  it.each([
    ['at the top level', '{"__proto__":{"isAuthenticated":true}}'],
    ['inside an object', '{"a":{"__proto__":{"isAuthenticated":true}}}'],
    ['inside an array', '[1,[{"__proto__":{"isAuthenticated":true}}]]'],
    ['deep down', '{"a":[{"b":{"c":[[{"d":{"__proto__":{"polluted":1}}}]]}}]}'],
    ['beside ordinary keys', '{"x":1,"__proto__":{"isAuthenticated":true},"y":2}'],
    ['with a null value', '{"__proto__":null}'],
    ['with spaces around it', '{ "__proto__" : { "isAuthenticated" : true } }'],
    ['spelled with \\u escapes', '{"\\u005f_proto__":{"isAuthenticated":true}}'],
    [
      'with every character escaped',
      '{"\\u005f\\u005f\\u0070\\u0072\\u006f\\u0074\\u006f\\u005f\\u005f":{"polluted":1}}',
    ],
    ['escaped and nested', '[{"a":{"__\\u0070roto__":{"isAuthenticated":true}}}]'],
  ])('S31: refuses a __proto__ key %s and leaves Object.prototype untouched', (_label, json) => {
    const before = prototypeNames();
    expect(decodeValue(json)).toBeUndefined();
    expect(({} as Record<string, unknown>).isAuthenticated).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeNames()).toEqual(before);
  });

  it('S31: accepts "__proto__" as a string value, and keys that merely contain it', () => {
    expect(decodeValue('{"a":"__proto__"}')).toEqual({ value: { a: '__proto__' } });
    expect(decodeValue('["__proto__"]')).toEqual({ value: ['__proto__'] });
    expect(decodeValue('{"__proto__x":1,"x__proto__":2}')).toEqual({ value: { __proto__x: 1, x__proto__: 2 } });
  });

  it('S31: parses constructor and prototype keys as plain data that changes no prototype', () => {
    const decoded = decodeValue('{"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1}}');
    const value = decoded!.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['constructor', 'prototype']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('encodeValue', () => {
  it('serializes plain JSON values', () => {
    expect(encodeValue('k', { a: [1, 'b', null, true] })).toBe('{"a":[1,"b",null,true]}');
    expect(encodeValue('k', 'text')).toBe('"text"');
    expect(encodeValue('k', 0)).toBe('0');
    expect(encodeValue('k', null)).toBe('null');
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('gives undefined (the key is removed) for %s', (_label, value) => {
    expect(encodeValue('k', value)).toBeUndefined();
  });

  it(`S33: accepts nesting of exactly MAX_DEPTH (${MAX_DEPTH}) levels`, () => {
    expect(MAX_DEPTH).toBe(64);
    expect(() => encodeValue('k', nestedObject(MAX_DEPTH))).not.toThrow();
    expect(() => encodeValue('k', nestedArray(MAX_DEPTH))).not.toThrow();
  });

  it('S33: refuses nesting one level over MAX_DEPTH with a typed error naming the key and the limit', () => {
    for (const value of [nestedObject(MAX_DEPTH + 1), nestedArray(MAX_DEPTH + 1)]) {
      const error = serializationErrorOf('cart', value);
      expect(error.key).toBe('cart');
      expect(error.message).toContain('"cart"');
      expect(error.message).toContain(`nested too deeply (the limit is ${MAX_DEPTH} levels)`);
    }
  });

  it('S33: a 10,000-deep object or array gives SessionSerializationError, not a RangeError', () => {
    expect(serializationErrorOf('deep', nestedObject(10_000)).message).toContain('nested too deeply');
    expect(serializationErrorOf('deep', nestedArray(10_000)).message).toContain('nested too deeply');
  });

  it('S33: a value deep enough to overflow JSON.stringify gives SessionSerializationError, not a RangeError', () => {
    expect(serializationErrorOf('deep', nestedArray(1_000_000)).message).toContain('nested too deeply');
  });

  it('S33: does not count brackets inside strings as nesting', () => {
    const value = { a: '['.repeat(500), b: '{'.repeat(500), c: `"${'['.repeat(200)}`, d: `\\${'"['.repeat(100)}` };
    expect(encodeValue('k', value)).toBe(JSON.stringify(value));
  });

  it('S33: still sees the nesting that follows a string ending in a backslash or an escaped quote', () => {
    expect(serializationErrorOf('k', ['x\\', nestedArray(MAX_DEPTH)]).message).toContain('nested too deeply');
    expect(serializationErrorOf('k', ['x"', nestedArray(MAX_DEPTH)]).message).toContain('nested too deeply');
    expect(serializationErrorOf('k', { 'key\\': nestedObject(MAX_DEPTH) }).message).toContain('nested too deeply');
  });

  it('S34: a BigInt gives SessionSerializationError saying so, with the original error as cause', () => {
    for (const value of [10n, { a: [1, { b: 2n }] }]) {
      const error = serializationErrorOf('total', value);
      expect(error.message).toBe(
        'Session data key "total" cannot be saved: it contains a BigInt. Store plain JSON values only.',
      );
      expect(error.cause).toBeInstanceOf(TypeError);
    }
  });

  it('S34: a cycle gives SessionSerializationError saying so', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const indirect: unknown[] = [];
    indirect.push({ list: indirect });
    for (const value of [cyclic, { wrapper: [indirect] }]) {
      const error = serializationErrorOf('tree', value);
      expect(error.message).toBe(
        'Session data key "tree" cannot be saved: it contains a circular reference. Store plain JSON values only.',
      );
      expect(error.cause).toBeInstanceOf(TypeError);
    }
  });

  it('S34: a toJSON that throws gives SessionSerializationError carrying its message', () => {
    const value = {
      toJSON() {
        throw new Error('boom');
      },
    };
    const error = serializationErrorOf('k', value);
    expect(error.message).toContain('JSON.stringify failed (boom)');
  });

  it('S31: drops own __proto__ keys at any depth, so what it writes decodes again', () => {
    const top = JSON.parse('{"__proto__":{"isAuthenticated":true},"a":1}') as unknown;
    const nested = { list: [JSON.parse('{"b":2,"__proto__":{"x":1}}') as unknown] };
    expect(encodeValue('k', top)).toBe('{"a":1}');
    expect(encodeValue('k', nested)).toBe('{"list":[{"b":2}]}');
    expect(decodeValue(encodeValue('k', nested)!)).toEqual({ value: { list: [{ b: 2 }] } });
  });

  it('S31: keeps "__proto__" as a string value while dropping it as a key', () => {
    const value = { label: '__proto__', inner: JSON.parse('{"__proto__":1,"tag":"__proto__"}') as unknown };
    const json = encodeValue('k', value)!;
    expect(json).toBe('{"label":"__proto__","inner":{"tag":"__proto__"}}');
    expect(decodeValue(json)).toEqual({ value: { label: '__proto__', inner: { tag: '__proto__' } } });
  });

  it('S34: a Date becomes its ISO string and decodes as a string (documented as lossy)', () => {
    const json = encodeValue('k', { at: new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 7)) });
    expect(json).toBe('{"at":"2024-02-29T23:59:58.007Z"}');
    expect(decodeValue(json!)).toEqual({ value: { at: '2024-02-29T23:59:58.007Z' } });
  });

  it('S34: Map, Set, NaN and undefined members are lossy as JSON makes them', () => {
    expect(encodeValue('k', new Map([['a', 1]]))).toBe('{}');
    expect(encodeValue('k', new Set([1]))).toBe('{}');
    expect(encodeValue('k', NaN)).toBe('null');
    expect(encodeValue('k', { a: undefined, b: 1 })).toBe('{"b":1}');
    expect(encodeValue('k', [undefined])).toBe('[null]');
  });

  it('round-trips plain JSON values through decodeValue', () => {
    const value = { cart: [{ sku: 'A-1', qty: 2 }], 'odd "key"': '\\\n"', empty: {}, n: -1.5e-7 };
    expect(decodeValue(encodeValue('k', value)!)).toEqual({ value });
  });
});
