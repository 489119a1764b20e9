import type { IncomingHttpHeaders } from 'node:http';

/**
 * What the cookie helpers read of a reply. Both reply shapes of the suites fit: supertest's `Response`
 * and `HttpClient`'s `Reply` (test/support/robustness-http.ts).
 */
export interface RepliedHeaders {
  readonly status: number;
  readonly headers: IncomingHttpHeaders | Record<string, unknown>;
  /** The body as text, quoted in errors. */
  readonly text?: string;
}

/** The `Set-Cookie` headers of a reply, as a list. */
export function setCookies(reply: RepliedHeaders): string[] {
  const header = reply.headers['set-cookie'] as string | string[] | undefined;
  if (header === undefined) return [];
  return Array.isArray(header) ? header : [header];
}

/** The `Set-Cookie` header for one cookie name, if the reply has one. */
export function setCookieFor(reply: RepliedHeaders, name = 'sid'): string | undefined {
  return setCookies(reply).find((c) => c.startsWith(`${name}=`));
}

/** Whether a reply clears the cookie (`Max-Age=0`). */
export function clearsCookie(reply: RepliedHeaders, name = 'sid'): boolean {
  const header = setCookieFor(reply, name);
  return header !== undefined && /;\s*Max-Age=0/i.test(header);
}

/**
 * `name=value` from a reply's `Set-Cookie`, ready for a `Cookie` request header; a clearing one too
 * (`sid=`). Throws if the reply sets none.
 */
export function cookieFrom(reply: RepliedHeaders, name = 'sid'): string {
  const header = setCookieFor(reply, name);
  if (header === undefined) throw noCookie(reply, name);
  return header.split(';')[0]!;
}

/** Like `cookieFrom`, but the reply must set a live session cookie: one that clears it throws too. */
export function sessionCookieOf(reply: RepliedHeaders, name = 'sid'): string {
  if (clearsCookie(reply, name)) throw noCookie(reply, name);
  return cookieFrom(reply, name);
}

/** The signed value of the session cookie in a `name=value` pair. */
export function valueOf(cookie: string): string {
  return cookie.slice(cookie.indexOf('=') + 1);
}

function noCookie(reply: RepliedHeaders, name: string): Error {
  const body = reply.text === undefined ? '' : `: ${reply.text.slice(0, 200)}`;
  return new Error(`reply ${reply.status} sets no ${name} cookie${body}`);
}
