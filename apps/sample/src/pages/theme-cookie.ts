import { isTheme } from '../settings/theme.js';
import type { Theme } from '../shop-session.interface.js';

/**
 * A copy of the session's theme in a cookie of its own, for the pages that have no session to read:
 * error pages (a 404, a form refused before any handler ran) are rendered without loading the session, so
 * they cost no Redis command. The session stays the source of truth; the pages that read it refresh this
 * copy when it differs. It holds nothing but `light` or `dark`.
 */
const NAME = 'theme';
/** A year: a display preference, renewed whenever a page sees it is out of date. */
const MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/** The theme a request's `Cookie` header carries, light when it carries none (or anything else). */
export function themeFromCookieHeader(header: string | string[] | undefined): Theme {
  const text = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const pair of text.split(';')) {
    const [name, value] = pair.trim().split('=', 2);
    if (name === NAME && isTheme(value)) return value;
  }
  return 'light';
}

/** The `Set-Cookie` header value that stores `theme`. HttpOnly: no script needs it, the pages have none. */
export function themeSetCookie(theme: Theme): string {
  return `${NAME}=${theme}; Path=/; Max-Age=${MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax`;
}

/** What `keepThemeCookie` needs of the HTTP adapter: Nest's `AbstractHttpAdapter` has it on both platforms. */
interface HeaderWriter {
  appendHeader(response: unknown, name: string, value: string): unknown;
}

/**
 * Brings the request's theme cookie in step with the theme a page is rendered in: sends a `Set-Cookie`
 * only when the browser's copy differs, so most pages send none.
 */
export function keepThemeCookie(
  adapter: HeaderWriter,
  request: { headers: Record<string, string | string[] | undefined> },
  response: unknown,
  theme: Theme,
): void {
  if (themeFromCookieHeader(request.headers.cookie) !== theme) {
    adapter.appendHeader(response, 'set-cookie', themeSetCookie(theme));
  }
}
