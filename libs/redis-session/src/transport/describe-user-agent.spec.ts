import fc from 'fast-check';
import { describeUserAgent, MAX_DESCRIPTION_BYTES } from './describe-user-agent.js';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const bytesOf = (text: string): number => Buffer.byteLength(text, 'utf8');

/** User-Agents of every kind: real ones, junk, very long ones, and text in any script with control characters. */
const userAgent = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({
    unit: fc.constantFrom('a', 'Z', '/', '1', '.', ' ', '\t', '\u0000', '\u202e', 'é', '😀'),
    maxLength: 200,
  }),
  fc
    .tuple(
      fc.constantFrom('Mozilla/5.0 (', 'curl/', 'Chrome/', 'Version/', '', 'x'.repeat(70)),
      fc.string({ maxLength: 80 }),
      fc.constantFrom('Linux', ' iPhone ', 'Safari/605', 'Firefox/1', ')', ''),
    )
    .map((parts) => parts.join('')),
);

describe('describeUserAgent', () => {
  it.each([
    [CHROME_WINDOWS, 'Chrome 131 on Windows'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox 128 on Linux'],
    [`${CHROME_WINDOWS} Edg/131.0.2903.86`, 'Edge 131 on Windows'],
    [`${CHROME_WINDOWS} OPR/115.0.0.0`, 'Opera 115 on Windows'],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      'Safari 17 on macOS',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari 17 on iPhone',
    ],
    [
      'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
      'Chrome 131 on iPad',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15',
      'Firefox 132 on iPhone',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
      'Chrome 126 on Android',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36',
      'Samsung Internet 27 on Android',
    ],
    [
      'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome 131 on ChromeOS',
    ],
    // Chromium under automation (Playwright, Puppeteer, crawlers) says HeadlessChrome.
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.33 Safari/537.36',
      'Chrome 131 on Linux',
    ],
    ['curl/8.5.0', 'curl 8'],
    ['Wget/1.21.4', 'Wget 1'],
    ['python-requests/2.31.0', 'python-requests 2'],
    ['okhttp/4.12.0', 'okhttp 4'],
    ['Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240805.005)', 'Dalvik 2 on Android'],
    ['MyShopApp/3.2 (iPhone; iOS 17.5; Scale/3.00)', 'MyShopApp 3 on iPhone'],
    ['Mozilla/5.0 (X11; Linux x86_64) SomethingNew/1.0', 'Browser on Linux'],
    ['  curl/8.5.0  ', 'curl 8'],
    // Nothing recognised: the header itself, as the client sent it.
    ['node', 'node'],
    ['<script>alert(1)</script>', '<script>alert(1)</script>'],
    ['Mozilla/5.0 (compatible; SomeBot/2.1)', 'Mozilla/5.0 (compatible; SomeBot/2.1)'],
    ['a\u0000b\r\nc\t\td \u202egnp.exe', 'a b c d gnp.exe'],
    ['', undefined],
    [' \t\u0000 ', undefined],
    [undefined, undefined],
  ])('%j → %j', (header, expected) => {
    expect(describeUserAgent(header)).toBe(expected);
  });

  it('leaves out a version too long to be one', () => {
    expect(describeUserAgent('tool/1234567.1')).toBe('tool');
    expect(describeUserAgent('tool/123456.1')).toBe('tool 123456');
  });

  it('cuts an unrecognised header to 64 bytes on a character boundary, ending with "…"', () => {
    expect(describeUserAgent('x'.repeat(64))).toBe('x'.repeat(64));
    expect(describeUserAgent('x'.repeat(65))).toBe(`${'x'.repeat(61)}…`);
    // "é" is two bytes and "😀" four: never half a character.
    expect(describeUserAgent('é'.repeat(40))).toBe(`${'é'.repeat(30)}…`);
    expect(describeUserAgent(`x${'😀'.repeat(20)}`)).toBe(`x${'😀'.repeat(15)}…`);
    expect(bytesOf(describeUserAgent('é'.repeat(40))!)).toBe(63);
  });

  it('describes a cut header as itself, also when the cut ends a word that names a system', () => {
    const header = `Mozilla/5.0 (compatible; ${'x'.repeat(30)} Linuxy and more)`;
    const description = describeUserAgent(header);
    expect(description).toBe(`Mozilla/5.0 (compatible; ${'x'.repeat(30)} Linux…`);
    expect(describeUserAgent(description)).toBe(description);
  });

  it('stays quick on a long header made to be slow to match', () => {
    const header = `Mozilla/5.0 ${'Version/1 '.repeat(1_600)}`;
    const started = performance.now();
    expect(describeUserAgent(header)).toBe(`Mozilla/5.0 ${'Version/1 '.repeat(4)}Version/1…`);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('never returns more than 64 UTF-8 bytes, or a control, format or lone surrogate character', () => {
    fc.assert(
      fc.property(userAgent, (header) => {
        const description = describeUserAgent(header);
        if (description === undefined) return;
        expect(bytesOf(description)).toBeLessThanOrEqual(MAX_DESCRIPTION_BYTES);
        expect(description).not.toMatch(/[\p{Cc}\p{Cf}\p{Cs}]/u);
        expect(description).toBe(description.trim());
        expect(description).not.toBe('');
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives a description back unchanged, so describing a stored value is harmless', () => {
    fc.assert(
      fc.property(userAgent, (header) => {
        const description = describeUserAgent(header);
        expect(describeUserAgent(description)).toBe(description);
      }),
      { numRuns: 2_000 },
    );
  });
});
