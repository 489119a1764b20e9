import { jest } from '@jest/globals';
import { resolveSessionOptions } from '../options/resolve-session-options.js';
import type { ResolvedCookieOptions } from '../options/resolved-session-options.js';
import { serializeSetCookie } from './set-cookie.js';

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0);
const VALUE = `${'A'.repeat(43)}.${'b'.repeat(43)}`;
const SECRETS = ['a-secret-of-at-least-thirty-two-characters'];

function cookieOptions(overrides: Partial<ResolvedCookieOptions> = {}): ResolvedCookieOptions {
  return { ...resolveSessionOptions({ secrets: SECRETS }).cookie, ...overrides };
}

/** The attributes of a Set-Cookie value, by lower-cased name; flags map to `true`. */
function attributesOf(header: string): { name: string; value: string; attributes: Map<string, string | true> } {
  const [pair, ...rest] = header.split('; ');
  const eq = pair!.indexOf('=');
  const attributes = new Map<string, string | true>();
  for (const attribute of rest) {
    const at = attribute.indexOf('=');
    if (at === -1) attributes.set(attribute.toLowerCase(), true);
    else attributes.set(attribute.slice(0, at).toLowerCase(), attribute.slice(at + 1));
  }
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attributes };
}

describe('serializeSetCookie', () => {
  beforeEach(() => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('S10: with the default options sets a host-only, HttpOnly, SameSite=Lax browser-session cookie on Path=/', () => {
    const cookie = cookieOptions();
    expect(
      serializeSetCookie(cookie.secureName, { kind: 'set', value: VALUE, maxAgeMs: undefined }, cookie, true),
    ).toBe(`__Host-sid=${VALUE}; Path=/; HttpOnly; Secure; SameSite=Lax`);
    expect(
      serializeSetCookie(cookie.plainName, { kind: 'set', value: VALUE, maxAgeMs: undefined }, cookie, false),
    ).toBe(`sid=${VALUE}; Path=/; HttpOnly; SameSite=Lax`);
  });

  it('S10: adds Secure only when asked', () => {
    const cookie = cookieOptions({ secure: true });
    const set = { kind: 'set', value: VALUE, maxAgeMs: undefined } as const;
    expect(serializeSetCookie('sid', set, cookie, false)).not.toContain('Secure');
    expect(serializeSetCookie('sid', set, cookie, true)).toContain('; Secure;');
    expect(serializeSetCookie('sid', { kind: 'clear' }, cookie, false)).not.toContain('Secure');
    expect(serializeSetCookie('sid', { kind: 'clear' }, cookie, true)).toContain('; Secure;');
  });

  it('leaves out HttpOnly when turned off', () => {
    const header = serializeSetCookie(
      'sid',
      { kind: 'set', value: VALUE, maxAgeMs: undefined },
      cookieOptions({ httpOnly: false }),
      false,
    );
    expect(header).toBe(`sid=${VALUE}; Path=/; SameSite=Lax`);
  });

  it.each([
    ['lax', 'Lax'],
    ['strict', 'Strict'],
    ['none', 'None'],
  ] as const)('spells sameSite %s as SameSite=%s', (sameSite, spelled) => {
    const cookie = cookieOptions({ sameSite });
    expect(serializeSetCookie('sid', { kind: 'set', value: VALUE, maxAgeMs: undefined }, cookie, true)).toBe(
      `sid=${VALUE}; Path=/; HttpOnly; Secure; SameSite=${spelled}`,
    );
    expect(serializeSetCookie('sid', { kind: 'clear' }, cookie, true)).toMatch(new RegExp(`; SameSite=${spelled}$`));
  });

  it('writes Path and Domain as configured', () => {
    const cookie = cookieOptions({ path: '/app', domain: 'example.com' });
    expect(serializeSetCookie('__Secure-sid', { kind: 'set', value: VALUE, maxAgeMs: undefined }, cookie, true)).toBe(
      `__Secure-sid=${VALUE}; Path=/app; Domain=example.com; HttpOnly; Secure; SameSite=Lax`,
    );
  });

  it('writes Max-Age in whole seconds, rounded down, with the matching Expires', () => {
    const cookie = cookieOptions();
    const header = serializeSetCookie('sid', { kind: 'set', value: VALUE, maxAgeMs: 90_999 }, cookie, false);
    expect(header).toBe(
      `sid=${VALUE}; Path=/; Max-Age=90; Expires=${new Date(NOW + 90_000).toUTCString()}; HttpOnly; SameSite=Lax`,
    );
    expect(header).toContain('Expires=Tue, 15 Jan 2030 12:01:30 GMT');
  });

  it.each([
    [1_000, 1],
    [1_999, 1],
    [999, 0],
    [0, 0],
    [-5_000, 0],
    [43_200_000, 43_200],
  ])('turns maxAgeMs %d into Max-Age=%d', (maxAgeMs, seconds) => {
    const header = serializeSetCookie('sid', { kind: 'set', value: VALUE, maxAgeMs }, cookieOptions(), false);
    expect(attributesOf(header).attributes.get('max-age')).toBe(String(seconds));
    expect(attributesOf(header).attributes.get('expires')).toBe(new Date(NOW + seconds * 1000).toUTCString());
  });

  it('clears with an empty value, Max-Age=0 and an Expires in the past', () => {
    const cookie = cookieOptions({ sameSite: 'strict' });
    expect(serializeSetCookie('sid', { kind: 'clear' }, cookie, false)).toBe(
      'sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict',
    );
  });

  it.each([
    ['the defaults', {}, '__Host-sid', true],
    ['a path and a domain', { path: '/shop', domain: '.example.com' }, '__Secure-sid', true],
    ['a custom name on plain HTTP', { path: '/a/b' }, 'my_session', false],
  ] as const)(
    'S16: clearing repeats the name, path and domain of setting, with %s',
    (_label, overrides, name, secure) => {
      const cookie = cookieOptions(overrides);
      const set = attributesOf(
        serializeSetCookie(name, { kind: 'set', value: VALUE, maxAgeMs: 60_000 }, cookie, secure),
      );
      const clear = attributesOf(serializeSetCookie(name, { kind: 'clear' }, cookie, secure));
      expect(clear.name).toBe(set.name);
      expect(clear.value).toBe('');
      expect(clear.attributes.get('path')).toBe(set.attributes.get('path'));
      expect(clear.attributes.get('domain')).toBe(set.attributes.get('domain'));
      expect(clear.attributes.get('secure')).toBe(set.attributes.get('secure'));
      expect(clear.attributes.get('samesite')).toBe(set.attributes.get('samesite'));
      expect(clear.attributes.get('max-age')).toBe('0');
    },
  );

  it('never writes a Domain attribute when none is configured (host-only cookie)', () => {
    const cookie = cookieOptions();
    expect(serializeSetCookie('sid', { kind: 'set', value: VALUE, maxAgeMs: 5_000 }, cookie, true)).not.toMatch(
      /domain/i,
    );
    expect(serializeSetCookie('sid', { kind: 'clear' }, cookie, true)).not.toMatch(/domain/i);
  });
});
