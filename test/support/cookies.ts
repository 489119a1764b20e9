import type { Response } from 'supertest';

/** The `Set-Cookie` headers of a response, as a list. */
export function setCookies(response: Response): string[] {
  const header = response.headers['set-cookie'] as string | string[] | undefined;
  if (header === undefined) return [];
  return Array.isArray(header) ? header : [header];
}

/** The `Set-Cookie` header for one cookie name, if the response has one. */
export function setCookieFor(response: Response, name = 'sid'): string | undefined {
  return setCookies(response).find((c) => c.startsWith(`${name}=`));
}

/** `name=value` from a response's `Set-Cookie`, ready for a `Cookie` request header. Throws if absent. */
export function cookieFrom(response: Response, name = 'sid'): string {
  const header = setCookieFor(response, name);
  if (header === undefined) throw new Error(`response has no ${name} cookie (status ${response.status})`);
  return header.split(';')[0]!;
}

/** The signed value of the session cookie in a `name=value` pair. */
export function valueOf(cookie: string): string {
  return cookie.slice(cookie.indexOf('=') + 1);
}
