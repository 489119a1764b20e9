import type { ResolvedCookieOptions } from '../options/resolved-session-options.js';

/** What the response should do with the session cookie. */
export type CookieDirective =
  { readonly kind: 'set'; readonly value: string; readonly maxAgeMs: number | undefined } | { readonly kind: 'clear' };

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const;

/**
 * Builds a `Set-Cookie` header value. Name, path and domain were validated at bootstrap and the value is
 * a signed ID in the base64url alphabet, so nothing here needs escaping. Clearing repeats the name, path
 * and domain the cookie was set with, with `Max-Age=0` (S16).
 */
export function serializeSetCookie(
  name: string,
  directive: CookieDirective,
  cookie: ResolvedCookieOptions,
  secure: boolean,
): string {
  let header = directive.kind === 'set' ? `${name}=${directive.value}` : `${name}=`;
  header += `; Path=${cookie.path}`;
  if (cookie.domain !== undefined) header += `; Domain=${cookie.domain}`;
  if (directive.kind === 'clear') {
    header += '; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
  } else if (directive.maxAgeMs !== undefined) {
    const seconds = Math.max(0, Math.floor(directive.maxAgeMs / 1000));
    header += `; Max-Age=${seconds}; Expires=${new Date(Date.now() + seconds * 1000).toUTCString()}`;
  }
  if (cookie.httpOnly) header += '; HttpOnly';
  if (secure) header += '; Secure';
  header += `; SameSite=${SAME_SITE[cookie.sameSite]}`;
  return header;
}
