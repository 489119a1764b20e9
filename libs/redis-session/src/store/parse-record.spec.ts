import { parseRecord, parseTombstone } from './parse-record.js';
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
  return parseRecord(flat(fields), NOW);
}

const anonymous = {
  [RecordField.createdAt]: CREATED,
  [RecordField.lastSeenAt]: String(LAST_SEEN),
  [RecordField.deadline]: DEADLINE,
};
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
  it('reads an anonymous record, with the server clock it was read by', () => {
    expect(parseRecord(flat({ ...anonymous, cart: '[1]' }), NOW)).toEqual({
      createdAt: 1_900_000_000_000,
      lastSeenAt: LAST_SEEN,
      deadline: 1_900_043_200_000,
      userId: undefined,
      authenticatedAt: undefined,
      device: {},
      fields: new Map([['cart', '[1]']]),
      now: NOW,
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
    expect(parseRecord([], NOW)).toBeUndefined();
  });

  it('S25: rejects a record without a creation time', () => {
    expect(parse({ [RecordField.lastSeenAt]: String(LAST_SEEN), [RecordField.deadline]: DEADLINE })).toBeUndefined();
  });

  it('S25: rejects a record without a deadline', () => {
    expect(parse({ [RecordField.createdAt]: CREATED, [RecordField.lastSeenAt]: String(LAST_SEEN) })).toBeUndefined();
  });

  it('S25: rejects a record without a last-seen time', () => {
    expect(parse({ [RecordField.createdAt]: CREATED, [RecordField.deadline]: DEADLINE })).toBeUndefined();
  });

  it.each([
    ['created after it was last seen', { [RecordField.createdAt]: String(LAST_SEEN + 1) }],
    ['last seen at its deadline', { [RecordField.lastSeenAt]: DEADLINE }],
    [
      'created more than a minute in the server’s future',
      { [RecordField.createdAt]: String(NOW + 60_001), [RecordField.lastSeenAt]: String(NOW + 60_001) },
    ],
  ])('S25: rejects a record %s', (_label, times) => {
    expect(parse({ ...anonymous, ...times })).toBeUndefined();
  });

  it.each(badTimes)('S25: rejects a last-seen time that is %s', (_label, value) => {
    expect(parse({ ...anonymous, [RecordField.lastSeenAt]: value })).toBeUndefined();
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

  it('ignores library fields it does not know', () => {
    const record = parse({ ...signedIn, '#x': 'future', '#v': '2', cart: '[]' });
    expect(record).toMatchObject({ userId: 'user-42', lastSeenAt: LAST_SEEN });
    expect(record?.fields).toEqual(new Map([['cart', '[]']]));
  });

  it('ignores a trailing field name without a value', () => {
    expect(parseRecord([...flat(anonymous), 'dangling'], NOW)?.fields).toEqual(new Map());
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

describe('parseTombstone', () => {
  const tombstone = { '#f': 'successor-public-id', '#o': 'ann', '#n': 'ann', '#g': String(NOW + 1_000) };

  it('reads where the session went and who owned it, forwarding within its window', () => {
    expect(parseTombstone(flat(tombstone), NOW)).toEqual({
      to: 'successor-public-id',
      formerUserId: 'ann',
      userId: 'ann',
      forwarding: true,
    });
  });

  it('forwards nothing past its window, or without one (rotationGracePeriod 0)', () => {
    expect(parseTombstone(flat(tombstone), NOW + 1_000)?.forwarding).toBe(false);
    const { '#g': _window, ...without } = tombstone;
    expect(parseTombstone(flat(without), NOW)?.forwarding).toBe(false);
  });

  it('reads empty owners as anonymous, and is no tombstone without a successor', () => {
    expect(parseTombstone(flat({ '#f': 'x', '#o': '', '#n': '' }), NOW)).toMatchObject({
      formerUserId: undefined,
      userId: undefined,
    });
    expect(parseTombstone(flat(anonymous), NOW)).toBeUndefined();
  });
});
