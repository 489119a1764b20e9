import fc from 'fast-check';
import { RecordField, dataKeyOfField, fieldOfDataKey } from './record-fields.js';

const libraryFields: string[] = Object.values(RecordField);

/** Data keys of every kind, weighted towards the ones that start with '#'. */
const dataKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ maxLength: 10 }).map((s) => `#${s}`),
  fc.string({ maxLength: 10 }).map((s) => `##${s}`),
  fc.constantFrom(...libraryFields, ...libraryFields.map((f) => `#${f}`), '#', '##', '', '__proto__', 'toJSON'),
);

describe('record fields', () => {
  it('S32: library fields are short, distinct and all start with "#"', () => {
    expect(new Set(libraryFields).size).toBe(libraryFields.length);
    for (const field of libraryFields) {
      expect(field).toMatch(/^#[a-z]$/);
      expect(dataKeyOfField(field)).toBeUndefined();
    }
  });

  it.each([
    ['cart', 'cart'],
    ['', ''],
    ['#c', '##c'],
    ['#u', '##u'],
    ['#', '##'],
    ['##', '###'],
    ['a#b', 'a#b'],
    ['__proto__', '__proto__'],
    ['save', 'save'],
  ])('S32: stores the data key %j in the field %j', (key, field) => {
    expect(fieldOfDataKey(key)).toBe(field);
    expect(dataKeyOfField(field)).toBe(key);
  });

  it('S32: treats any field that starts with one "#" as a library field, known or not', () => {
    for (const field of ['#', '#x', '#unknown', '#c#', '#\u{1F600}']) expect(dataKeyOfField(field)).toBeUndefined();
  });

  it('S32: every data key round-trips through its field', () => {
    fc.assert(
      fc.property(dataKey, (key) => {
        expect(dataKeyOfField(fieldOfDataKey(key))).toBe(key);
      }),
      { numRuns: 5_000 },
    );
  });

  it('S32: no data key is stored in a library field', () => {
    fc.assert(
      fc.property(dataKey, (key) => {
        const field = fieldOfDataKey(key);
        expect(libraryFields).not.toContain(field);
        expect(dataKeyOfField(field)).not.toBeUndefined();
      }),
      { numRuns: 5_000 },
    );
  });

  it('S32: two different data keys never share a field', () => {
    fc.assert(
      fc.property(dataKey, dataKey, (a, b) => {
        fc.pre(a !== b);
        expect(fieldOfDataKey(a)).not.toBe(fieldOfDataKey(b));
      }),
      { numRuns: 5_000 },
    );
  });
});
