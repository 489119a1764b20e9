import type { RedisSessionModuleOptions } from './redis-session-options.interface.js';
import { CookieOptionsSchema } from './session-options.schema.js';

const HOST_PREFIX = '__host-';
const SECURE_PREFIX = '__secure-';

/** Combinations each option allows alone but that browsers or the design reject together (S11). */
export function contradictions(
  options: RedisSessionModuleOptions,
  touchAfter: number,
  idleTimeout: number,
  invalid: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const cookie = typeof options.cookie === 'object' && options.cookie !== null ? options.cookie : {};
  const secure = cookie.secure ?? new CookieOptionsSchema().secure;
  // Browsers match the prefixes case-insensitively (RFC 6265bis), so '__host-' binds them too.
  const name = typeof cookie.name === 'string' ? cookie.name.toLowerCase() : undefined;
  if (name?.startsWith(HOST_PREFIX)) {
    if (cookie.domain !== undefined)
      problems.push(
        `cookie.domain: got ${JSON.stringify(cookie.domain)}, needs to be unset with a __Host- cookie name`,
      );
    if (cookie.path !== undefined && cookie.path !== '/')
      problems.push(`cookie.path: got ${JSON.stringify(cookie.path)}, needs '/' with a __Host- cookie name`);
    if (cookie.secure !== true)
      problems.push(
        `cookie.secure: got ${String(secure)}, needs true with a __Host- cookie name (leave the name unset to get __Host-sid on HTTPS and sid on HTTP)`,
      );
  }
  if (name?.startsWith(SECURE_PREFIX) && cookie.secure !== true) {
    problems.push(`cookie.secure: got ${String(secure)}, needs true with a __Secure- cookie name`);
  }
  if (cookie.sameSite === 'none' && cookie.secure !== true) {
    problems.push(
      `cookie.sameSite: got 'none', needs cookie.secure: true (browsers drop SameSite=None cookies that are not Secure)`,
    );
  }
  if (
    options.anonymousIdleTimeout !== undefined &&
    !invalid.has('anonymousIdleTimeout') &&
    !invalid.has('idleTimeout') &&
    options.anonymousIdleTimeout > idleTimeout
  ) {
    problems.push(
      `anonymousIdleTimeout: got ${options.anonymousIdleTimeout}, needs at most idleTimeout (${idleTimeout})`,
    );
  }
  if (!invalid.has('touchAfter') && !invalid.has('idleTimeout') && touchAfter >= idleTimeout) {
    problems.push(
      `touchAfter: got ${touchAfter}, needs to be below idleTimeout (${idleTimeout}) or sessions would expire while in use`,
    );
  }
  if (options.store === 'memory' && options.redis !== undefined) {
    problems.push(`redis: got a connection, needs to be unset with store: 'memory'`);
  }
  return problems;
}
