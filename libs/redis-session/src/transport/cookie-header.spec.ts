import fc from 'fast-check';
import { readCookieValues } from './cookie-header.js';

/** Optional whitespace of the Cookie header (RFC 6265 OWS): spaces and tabs only. */
const trimOws = (text: string): string => text.replace(/^[ \t]+|[ \t]+$/g, '');

/** The pairs of a header that carry `name`, as the header spells them: every value the reader may return. */
function valuesNamed(header: string, name: string): string[] {
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || trimOws(pair.slice(0, eq)) !== name) continue;
    const value = trimOws(pair.slice(eq + 1));
    values.push(value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
  }
  return values;
}

describe('readCookieValues', () => {
  it.each([
    ['a missing header', undefined],
    ['an empty header', ''],
    ['an empty array of headers', []],
    ['only separators', ';;;'],
    ['a lone "="', '='],
    ['a value without a name', '=v'],
    ['the name without "="', 'sid'],
    ['the name with spaces but without "="', ' sid ; sid;sid '],
    ['a longer name that starts with ours', 'sidx=1; sid_=2; sid-old=3'],
    ['a longer name that ends with ours', 'xsid=1; _sid=2; __Host-sid=3'],
    ['the name only inside a value', 'other=sid; x=sid=1'],
  ])('finds nothing in %s', (_label, header) => {
    expect(readCookieValues(header, 'sid')).toEqual([]);
  });

  it('returns an empty value for "sid="', () => {
    expect(readCookieValues('sid=', 'sid')).toEqual(['']);
    expect(readCookieValues('a=1; sid=; b=2', 'sid')).toEqual(['']);
  });

  it('returns the value of a single cookie', () => {
    expect(readCookieValues('sid=abc', 'sid')).toEqual(['abc']);
    expect(readCookieValues('a=1; sid=abc; b=2', 'sid')).toEqual(['abc']);
  });

  it('keeps "=" inside a value', () => {
    expect(readCookieValues('sid=a=b==', 'sid')).toEqual(['a=b==']);
  });

  it('strips one pair of surrounding double quotes, and only a complete pair', () => {
    expect(readCookieValues('sid="abc"', 'sid')).toEqual(['abc']);
    expect(readCookieValues('sid=""', 'sid')).toEqual(['']);
    expect(readCookieValues('sid="', 'sid')).toEqual(['"']);
    expect(readCookieValues('sid="abc', 'sid')).toEqual(['"abc']);
    expect(readCookieValues('sid=abc"', 'sid')).toEqual(['abc"']);
    expect(readCookieValues('sid=""abc""', 'sid')).toEqual(['"abc"']);
  });

  it('ignores a trailing ";"', () => {
    expect(readCookieValues('sid=abc;', 'sid')).toEqual(['abc']);
    expect(readCookieValues('sid=abc; ', 'sid')).toEqual(['abc']);
  });

  it('trims spaces and tabs around names and values', () => {
    expect(readCookieValues('  sid=abc', 'sid')).toEqual(['abc']);
    expect(readCookieValues('a=1;sid=abc', 'sid')).toEqual(['abc']);
    expect(readCookieValues('a=1 ;\t sid \t= \tabc\t ; b=2', 'sid')).toEqual(['abc']);
    expect(readCookieValues('\tsid=abc\t', 'sid')).toEqual(['abc']);
  });

  it.each([
    ['U+2000', '\u2000'],
    ['no-break space', '\u00a0'],
    ['ideographic space', '\u3000'],
    ['BOM', '\ufeff'],
    ['line separator', '\u2028'],
    ['vertical tab', '\v'],
    ['form feed', '\f'],
  ])(
    'trims only spaces and tabs: a name led by %s is another cookie (no __Host- prefix protection)',
    (_label, char) => {
      expect(readCookieValues(`${char}__Host-sid=planted`, '__Host-sid')).toEqual([]);
      expect(readCookieValues(`a=1; ${char}__Host-sid=planted`, '__Host-sid')).toEqual([]);
      expect(readCookieValues(`__Host-sid${char}=planted`, '__Host-sid')).toEqual([]);
    },
  );

  it('never decodes values', () => {
    expect(readCookieValues('sid=a%20b%3Bc', 'sid')).toEqual(['a%20b%3Bc']);
    expect(readCookieValues('sid=%00', 'sid')).toEqual(['%00']);
  });

  it('returns every duplicate in header order', () => {
    expect(readCookieValues('sid=first; a=1; sid=second; sid=third', 'sid')).toEqual(['first', 'second', 'third']);
    expect(readCookieValues('sid=same; sid=same', 'sid')).toEqual(['same', 'same']);
  });

  it('matches names case-sensitively', () => {
    expect(readCookieValues('SID=a; Sid=b; sid=c; sId=d', 'sid')).toEqual(['c']);
    expect(readCookieValues('__host-sid=a; __HOST-SID=b', '__Host-sid')).toEqual([]);
  });

  it('does not take a __Secure- or percent-encoded prefix for __Host-', () => {
    expect(readCookieValues('__Secure-sid=a', '__Host-sid')).toEqual([]);
    expect(readCookieValues('%5F_Host-sid=a; _%5FHost-sid=b; __Host%2Dsid=c', '__Host-sid')).toEqual([]);
    expect(readCookieValues('__Secure-sid=a; __Host-sid=b', '__Host-sid')).toEqual(['b']);
  });

  it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf'])(
    'treats the Object.prototype name %s as an ordinary name',
    (name) => {
      const header = `${name}=x; sid=ours; ${name}=y`;
      expect(readCookieValues(header, name)).toEqual(['x', 'y']);
      expect(readCookieValues(header, 'sid')).toEqual(['ours']);
      expect(readCookieValues(`${name}=x`, 'sid')).toEqual([]);
      expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('x');
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    },
  );

  it('reads an array of headers as one header, in order', () => {
    expect(readCookieValues(['a=1; sid=one', 'sid=two', 'b=2'], 'sid')).toEqual(['one', 'two']);
    expect(readCookieValues(['sid', '=x'], 'sid')).toEqual([]);
  });

  it('does not join the end of one array header with the start of the next', () => {
    expect(readCookieValues(['x=1; s', 'id=2'], 'sid')).toEqual([]);
  });

  it('finds a cookie among 10,000 cookies and in a 64 KiB header, quickly', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `c${i}=v${i}`);
    many.splice(7_000, 0, 'sid=needle');
    const tenThousand = many.join('; ');
    const big = `${'x=y; '.repeat(65_536 / 5)}sid=tail`;
    expect(big.length).toBeGreaterThanOrEqual(65_536);
    const shapes = [
      tenThousand,
      big,
      ';'.repeat(65_536) + 'sid=a',
      'sid'.repeat(22_000),
      '='.repeat(65_536),
      'sid=' + ' '.repeat(65_536) + 'a',
      `sid="${'"'.repeat(65_536)}"`,
      ' sid ='.repeat(11_000),
    ];
    expect(readCookieValues(tenThousand, 'sid')).toEqual(['needle']);
    expect(readCookieValues(big, 'sid')).toEqual(['tail']);
    const started = performance.now();
    for (let round = 0; round < 20; round++) for (const header of shapes) readCookieValues(header, 'sid');
    // Linear: 160 passes over about 2 MiB of header text; a quadratic parser would take minutes.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  describe('property-based', () => {
    const name = fc.constantFrom('sid', '__Host-sid', '__Secure-sid', '__proto__', 'constructor', 'x');
    const ows = fc.constantFrom('', '', ' ', '\t', '  ', ' \t ');
    const pairName = fc.oneof(
      { weight: 3, arbitrary: name },
      { weight: 1, arbitrary: fc.constantFrom('SID', '__host-sid', 'sidx', 'xsid', '%5F_Host-sid', '') },
      { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
    );
    const pairValue = fc.oneof(
      { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
      { weight: 1, arbitrary: fc.constantFrom('""', '"', '"abc"', '"a"b"', '=', 'a=b', ' " x " ') },
    );
    const pair = fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .tuple(ows, pairName, ows, ows, pairValue, ows)
          .map(([a, n, b, c, v, d]) => `${a}${n}${b}=${c}${v}${d}`),
      },
      { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 10 }), pairName) },
    );
    /** Headers of pairs around the names under test, with odd spacing, quotes and junk between them. */
    const structuredHeader = fc
      .tuple(fc.array(pair, { maxLength: 12 }), fc.constantFrom(';', '; ', ' ;', ';\t'), fc.boolean())
      .map(([pairs, separator, trailing]) => pairs.join(separator) + (trailing ? separator : ''));

    it('never throws for arbitrary header strings and arrays, and returns only text of the header', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 200 }),
            fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 5 }),
            structuredHeader,
          ),
          fc.oneof(name, fc.string({ minLength: 1, maxLength: 10 })),
          (header, cookieName) => {
            const values = readCookieValues(header, cookieName);
            const text = Array.isArray(header) ? header.join('; ') : header;
            expect(Array.isArray(values)).toBe(true);
            for (const value of values) expect(text).toContain(value);
          },
        ),
        { numRuns: 2_000 },
      );
    });

    it('returns a value only from a name=value pair with exactly that name, and every such value, in order', () => {
      fc.assert(
        fc.property(structuredHeader, name, (header, cookieName) => {
          expect(readCookieValues(header, cookieName)).toEqual(valuesNamed(header, cookieName));
        }),
        { numRuns: 5_000 },
      );
    });

    it('finds a planted cookie whatever surrounds it', () => {
      const value = fc.stringMatching(/^[A-Za-z0-9_.-]{0,90}$/);
      fc.assert(
        fc.property(structuredHeader, value, structuredHeader, (before, planted, after) => {
          const header = `${before};sid=${planted};${after}`;
          const values = readCookieValues(header, 'sid');
          expect(values).toContain(planted);
          expect(values).toEqual(valuesNamed(header, 'sid'));
        }),
        { numRuns: 2_000 },
      );
    });
  });
});
