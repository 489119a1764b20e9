/**
 * A person-friendly name for the device a session was signed in from, guessed from the `User-Agent` header
 * the library recorded at login. A guess, good enough for "Firefox on Linux"; never used for a decision.
 * The header is whatever the client sent: the words here come from fixed lists, and the raw header is only
 * ever shown shortened and escaped.
 */

/** Browsers and tools, most specific first: Edge and Opera also say "Chrome", Chrome also says "Safari". */
const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\b(Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/^Wget\//, 'Wget'],
  [/^(node-superagent|node-fetch|undici|axios)\b|^node$/i, 'a Node.js client'],
];

/** Operating systems, most specific first: iPhones say "like Mac OS X", Android says "Linux". */
const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(iPhone|iPod)\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/**
 * "Firefox on Linux", "Safari on iPhone", "curl"; "Unknown device" when nothing is recognised or the
 * header was not recorded.
 *
 * @example
 * describeUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0') // "Firefox on Linux"
 */
export function describeUserAgent(userAgent: string | undefined): string {
  if (userAgent === undefined || userAgent.trim() === '') return 'Unknown device';
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser !== undefined && system !== undefined) return `${browser} on ${system}`;
  return browser ?? (system === undefined ? 'Unknown device' : `A browser on ${system}`);
}

/**
 * `text` cut to at most `maxLength` characters, with "…" when it was cut. Counts code points, so a cut
 * never splits a character in two.
 */
export function truncate(text: string, maxLength: number): string {
  const characters = Array.from(text);
  return characters.length > maxLength ? `${characters.slice(0, maxLength - 1).join('')}…` : text;
}
