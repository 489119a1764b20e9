import { parseRecord } from './parse-record.js';
import { RecordField, fieldOfDataKey } from './record-fields.js';

const NOW = 1_900_000_100_000;
const LAST_SEEN = 1_900_000_050_000;
const CREATED = '1900000000000';
const DEADLINE = '1900043200000';

/** A stored field list (`name, value, ...`) from an object, in its key order. */
function flat(fields: Record<string, string>): string[] {
  return Object.entries(fields).flat();
}

function parse(fields: Record<string, string>) {
  return parseRecord(flat(fields), NOW, LAST_SEEN, false);
}

const anonymous = { [RecordField.createdAt]: CREATED, [RecordField.deadline]: DEADLINE };
const signedIn = { ...anonymous, [RecordField.userId]: 'user-42', [RecordField.authenticatedAt]: '1900000000500' };

const badTimes = [
  ['empty', ''],
  ['garbage', 'soon'],
  ['digits with junk', '12a'],
  ['a leading space', ' 1900000000000'],
  ['a trailing newline', '1900000000000\n'],
  ['negative', '-1'],
  ['a decimal', '1900000000000.5'],
  ['an exponent', '19e11'],
  ['hexadecimal', '0x1f'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['17 digits', '12345678901234567'],
  ['a 16-digit value above 2^53', '9007199254740993'],
  ['JSON', '{"t":1}'],
] as const;

describe('parseRecord', () => {
  it('reads an anonymous record, passing through the clock values and the touch flag', () => {
    expect(parseRecord(flat({ ...anonymous, cart: '[1]' }), NOW, LAST_SEEN, true)).toEqual({
      createdAt: 1_900_000_000_000,
      lastSeenAt: LAST_SEEN,
      deadline: 1_900_043_200_000,
      userId: undefined,
      authenticatedAt: undefined,
      device: {},
      fields: new Map([['cart', '[1]']]),
      now: NOW,
      touched: true,
    });
  });

  it('reads a signed-in record', () => {
    expect(parse(signedIn)).toMatchObject({ userId: 'user-42', authenticatedAt: 1_900_000_000_500 });
  });

  it('keeps data values as JSON text, unparsed', () => {
    expect(parse({ ...anonymous, a: '{"b":1}', broken: '{' })?.fields).toEqual(
      new Map([
        ['a', '{"b":1}'],
        ['broken', '{'],
      ]),
    );
  });

  it('accepts the largest safe integer as a time', () => {
    expect(parse({ ...anonymous, [RecordField.deadline]: String(Number.MAX_SAFE_INTEGER) })?.deadline).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('S25: rejects an empty field list', () => {
    expect(parseRecord([], NOW, LAST_SEEN, false)).toBeUndefined();
  });

  it('S25: rejects a record without a creation time', () => {
    expect(parse({ [RecordField.deadline]: DEADLINE, cart: '[]' })).toBeUndefined();
  });

  it('S25: rejects a record without a deadline', () => {
    expect(parse({ [RecordField.createdAt]: CREATED, cart: '[]' })).toBeUndefined();
  });

  it.each(badTimes)('S25: rejects a creation time that is %s', (_label, value) => {
    expect(parse({ ...anonymous, [RecordField.createdAt]: value })).toBeUndefined();
  });

  it.each(badTimes)('S25: rejects a deadline that is %s', (_label, value) => {
    expect(parse({ ...anonymous, [RecordField.deadline]: value })).toBeUndefined();
  });

  it.each(badTimes)('S25: rejects an authentication time that is %s', (_label, value) => {
    expect(parse({ ...signedIn, [RecordField.authenticatedAt]: value })).toBeUndefined();
  });

  it('S25, S28: rejects a user ID without an authentication time', () => {
    expect(parse({ ...anonymous, [RecordField.userId]: 'user-42' })).toBeUndefined();
  });

  it('S25, S28: rejects an authentication time without a user ID', () => {
    expect(parse({ ...anonymous, [RecordField.authenticatedAt]: '1900000000500' })).toBeUndefined();
  });

  it('S25: rejects an empty user ID', () => {
    expect(parse({ ...signedIn, [RecordField.userId]: '' })).toBeUndefined();
  });

  it('ignores library fields it does not know, and the stored last-seen time', () => {
    const record = parse({ ...signedIn, '#x': 'future', '#v': '2', [RecordField.lastSeenAt]: '1', cart: '[]' });
    expect(record).toMatchObject({ userId: 'user-42', lastSeenAt: LAST_SEEN });
    expect(record?.fields).toEqual(new Map([['cart', '[]']]));
  });

  it('ignores a trailing field name without a value', () => {
    expect(parseRecord([...flat(anonymous), 'dangling'], NOW, LAST_SEEN, false)?.fields).toEqual(new Map());
  });

  it('S28, S32: data keys named like library fields neither authenticate nor change the times', () => {
    const record = parse({
      ...anonymous,
      [fieldOfDataKey('#u')]: '"admin"',
      [fieldOfDataKey('#t')]: '1900000000500',
      [fieldOfDataKey('#c')]: '0',
      [fieldOfDataKey('#d')]: '9007199254740991',
      userId: '"admin"',
    });
    expect(record).toMatchObject({
      userId: undefined,
      authenticatedAt: undefined,
      createdAt: 1_900_000_000_000,
      deadline: 1_900_043_200_000,
    });
    expect(record?.fields).toEqual(
      new Map([
        ['#u', '"admin"'],
        ['#t', '1900000000500'],
        ['#c', '0'],
        ['#d', '9007199254740991'],
        ['userId', '"admin"'],
      ]),
    );
  });

  it('S32: keeps data keys named after Object.prototype members as ordinary entries', () => {
    const record = parse({ ...anonymous, constructor: '1', toString: '2', hasOwnProperty: '3' });
    expect([...(record?.fields.keys() ?? [])]).toEqual(['constructor', 'toString', 'hasOwnProperty']);
  });
});
