/**
 * Longest description, in UTF-8 bytes: Redis's default `hash-max-listpack-value`, so a session record that
 * holds it stays in the compact listpack encoding.
 */
export const MAX_DESCRIPTION_BYTES = 64;

/**
 * How much of the header the patterns look at. Real User-Agents are well under this; a 16 KiB header made
 * up to be slow to match costs no more than a real one.
 */
const SCANNED = 1_024;

/** Longest product name a description quotes from the header (`okhttp`, `python-requests`). */
const MAX_PRODUCT_NAME = 32;

/** A browser: its name, and a pattern whose first group is its version. */
interface Browser {
  readonly name: string;
  readonly version: RegExp;
  /** Another token the header must have too (Safari's version is in `Version/`, beside `Safari/`). */
  readonly also?: RegExp;
}

/** Most specific first: Edge and Opera also say "Chrome", Chrome also says "Safari". */
const BROWSERS: readonly Browser[] = [
  { name: 'Edge', version: /\bEdg(?:e|A|iOS)?\/(\d+)/ },
  { name: 'Opera', version: /\b(?:OPR|Opera)\/(\d+)/ },
  { name: 'Samsung Internet', version: /\bSamsungBrowser\/(\d+)/ },
  { name: 'Firefox', version: /\b(?:Firefox|FxiOS)\/(\d+)/ },
  // HeadlessChrome: Chrome run by automation (tests, crawlers, screenshot services); still Chrome to a reader.
  { name: 'Chrome', version: /\b(?:Chrome|CriOS|Chromium|HeadlessChrome)\/(\d+)/ },
  { name: 'Safari', version: /\bVersion\/(\d+)/, also: /\bSafari\// },
];

/**
 * Operating systems, most specific first: iPhones say "like Mac OS X", Android says "Linux". A name must
 * end the word, and not where a header was cut ("Linux…" of "Linuxy"), so a cut header describes as itself.
 */
const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(?:iPhone|iPod)(?![\w…])/, 'iPhone'],
  [/\biPad(?![\w…])/, 'iPad'],
  [/\bAndroid(?![\w…])/, 'Android'],
  [/\bCrOS(?![\w…])/, 'ChromeOS'],
  [/\bWindows(?![\w…])/, 'Windows'],
  [/\b(?:Mac OS X|Macintosh)(?![\w…])/, 'macOS'],
  [/\bLinux(?![\w…])/, 'Linux'],
];

/** A header that starts with its own product token (`curl/8.5.0`, `okhttp/4.12.0`): name and version. */
const PRODUCT = new RegExp(`^([A-Za-z][A-Za-z0-9._+-]{0,${MAX_PRODUCT_NAME - 1}})\\/(\\d+)`);

/** Control and format characters (bidirectional overrides, zero-width spaces), and lone surrogates. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}]/gu;

/**
 * A short description of the client that sent a `User-Agent` header: what `login()` records by default
 * (`device: { userAgent: true }`) and `SessionRepository.listForUser()` returns as `userAgent`. At most 64
 * UTF-8 bytes, so the session record stays in Redis's compact listpack encoding.
 *
 * - A known browser: its name and major version, and the system when it is known: "Chrome 131 on
 *   Windows", "Safari 17 on iPhone", "Firefox 128 on Linux", "Edge 131", "Samsung Internet 27 on Android".
 * - A client that names itself first (`curl/8.5.0`, `okhttp/4.12.0`, `MyShopApp/3.2 (iPhone; iOS 17)`):
 *   that name and major version, and the system when it is known: "curl 8", "MyShopApp 3 on iPhone".
 * - Another browser (`Mozilla/5.0 …`) on a known system: "Browser on Linux".
 * - Anything else: the header itself, with control and format characters replaced by spaces, runs of
 *   spaces collapsed, and cut on a character boundary to 64 UTF-8 bytes, ending with "…" when cut.
 * - `undefined` when there is no header, or nothing printable in it.
 *
 * A guess for people to read in a device list ("where am I signed in?"), never for a decision: the header
 * is whatever the client chose to send. Escape the result like any other text from a client, in HTML
 * above all: for an unrecognised client it is the client's own text. Describing a description gives it
 * back unchanged, so it is safe to call on a value already stored.
 *
 * @example
 * describeUserAgent(
 *   'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
 * ); // "Chrome 131 on Windows"
 * describeUserAgent('curl/8.5.0'); // "curl 8"
 */
export function describeUserAgent(userAgent: string | undefined): string | undefined {
  if (userAgent === undefined) return undefined;
  const text = printable(userAgent.slice(0, SCANNED));
  if (text === '') return undefined;
  const system = SYSTEMS.find(([pattern]) => pattern.test(text))?.[1];
  const on = system === undefined ? '' : ` on ${system}`;

  for (const browser of BROWSERS) {
    const match = browser.version.exec(text);
    if (match !== null && (browser.also === undefined || browser.also.test(text))) {
      return `${browser.name}${versionOf(match[1]!)}${on}`;
    }
  }
  const product = PRODUCT.exec(text);
  if (product !== null && product[1]!.toLowerCase() !== 'mozilla') {
    return `${product[1]!}${versionOf(product[2]!)}${on}`;
  }
  if (system !== undefined && text.startsWith('Mozilla/')) return `Browser${on}`;
  return cut(text);
}

/** " 131" for "131"; nothing for a number too long to be a version anyone reads. */
function versionOf(digits: string): string {
  return digits.length <= 6 ? ` ${Number(digits)}` : '';
}

/** `text` with control and format characters as spaces, runs of spaces as one, trimmed. */
function printable(text: string): string {
  return text.replace(UNPRINTABLE, ' ').replace(/\s+/g, ' ').trim();
}

/** `text` cut on a character boundary to at most `MAX_DESCRIPTION_BYTES` UTF-8 bytes, with "…" when cut. */
function cut(text: string): string {
  if (Buffer.byteLength(text, 'utf8') <= MAX_DESCRIPTION_BYTES) return text;
  const ellipsis = '…';
  const budget = MAX_DESCRIPTION_BYTES - Buffer.byteLength(ellipsis, 'utf8');
  let kept = '';
  let bytes = 0;
  for (const character of text) {
    const size = Buffer.byteLength(character, 'utf8');
    if (bytes + size > budget) break;
    kept += character;
    bytes += size;
  }
  return `${kept.trimEnd()}${ellipsis}`;
}
