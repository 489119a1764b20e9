import type { Cluster, Redis, RedisOptions } from 'ioredis';

/** The `SameSite` attribute of the session cookie. */
export type SameSite = 'lax' | 'strict' | 'none';

/** Attributes of the session cookie. Every one is optional; the defaults are the safe choice. */
export interface SessionCookieOptions {
  /**
   * Cookie name.
   * @default `'__Host-sid'` on secure requests, `'sid'` otherwise. The `__Host-` prefix makes browsers
   * refuse the cookie unless it is `Secure`, has `Path=/` and no `Domain`, so a sibling subdomain cannot
   * plant one.
   */
  name?: string;
  /**
   * Hide the cookie from `document.cookie`.
   * @default true
   */
  httpOnly?: boolean;
  /**
   * `true`: always `Secure`. `false`: never. `'auto'`: `Secure` when the request came over HTTPS
   * (`X-Forwarded-Proto` counts only with `trustProxy`).
   * @default 'auto'
   */
  secure?: boolean | 'auto';
  /**
   * `SameSite` attribute. `'none'` requires `secure: true`.
   * @default 'lax'
   */
  sameSite?: SameSite;
  /**
   * `Path` attribute.
   * @default '/'
   */
  path?: string;
  /**
   * `Domain` attribute. Leave unset unless subdomains must share the session; it cannot be combined
   * with a `__Host-` name.
   * @default undefined (host-only cookie)
   */
  domain?: string;
  /**
   * Lifetime of the cookie in milliseconds. Unset, the cookie lasts until the browser closes. When set,
   * the `Max-Age` sent never exceeds the time left to the session's absolute deadline.
   * @default undefined (browser-session cookie)
   */
  maxAge?: number;
}

/** What `login()` does when a user already has `maxSessionsPerUser` sessions. */
export type SessionLimitPolicy = 'evict-oldest' | 'reject';

/** What `login()` records about the device, for `SessionRepository.listForUser()`. */
export interface DeviceRecordingOptions {
  /**
   * Record the `User-Agent` header (first 256 characters).
   * @default true
   */
  userAgent?: boolean;
  /**
   * Record the client's IP address (the first `X-Forwarded-For` entry with `trustProxy`, else the socket's).
   * @default true
   */
  ip?: boolean;
}

/** Where sessions are kept. */
export type SessionStoreKind = 'redis' | 'memory';

/** What `redis` accepts: a URL, ioredis options, or a client the app owns (never closed by the module). */
export type RedisConnection = string | RedisOptions | Redis | Cluster;

/**
 * Options of `RedisSessionModule.forRoot()`. Durations are milliseconds.
 *
 * @example
 * RedisSessionModule.forRoot({
 *   redis: process.env.REDIS_URL,
 *   secrets: [process.env.SESSION_SECRET!],
 *   idleTimeout: 30 * 60_000,
 * })
 */
export interface RedisSessionModuleOptions {
  /**
   * The Redis connection: a `redis://` / `rediss://` URL, ioredis options, or an existing ioredis client.
   * A client passed in belongs to the app and is never closed by the module.
   * @default 'redis://127.0.0.1:6379' (only when `store` is `'redis'`)
   */
  redis?: RedisConnection;
  /**
   * `'redis'`, or `'memory'` for tests and zero-setup demos (one process only, lost on restart).
   * @default 'redis'
   */
  store?: SessionStoreKind;
  /**
   * Secrets for signing the session cookie, each at least 32 characters. The first signs; all verify,
   * so a new secret can be put first while the old one still accepts existing cookies (rotation).
   */
  secrets: string[];
  /**
   * A session unused for this long expires.
   * @default 1_800_000 (30 minutes)
   */
  idleTimeout?: number;
  /**
   * A session expires this long after it was created (or after login), however active it is. Never extended.
   * @default 43_200_000 (12 hours)
   */
  absoluteTimeout?: number;
  /**
   * A request that changes nothing refreshes the idle timer only when the last refresh is older than this,
   * so most reads cost no write.
   * @default idleTimeout / 10
   */
  touchAfter?: number;
  /**
   * Prefix of every Redis key the module writes. No glob characters (`*?[]\`) and no braces.
   * @default 'sess:'
   */
  keyPrefix?: string;
  /** Cookie attributes. */
  cookie?: SessionCookieOptions;
  /**
   * Trust `X-Forwarded-Proto` to decide whether a request is secure (set it behind a TLS-terminating proxy).
   * @default false
   */
  trustProxy?: boolean;
  /**
   * Largest serialized session (field names and JSON values, in bytes). A save over it fails with
   * `SessionTooLargeException` and leaves the stored session unchanged.
   * @default 65_536
   */
  maxSessionBytes?: number;
  /**
   * Longest a Redis command may take before the request gets a 503.
   * @default 1_000
   */
  commandTimeout?: number;
  /**
   * Most signed-in sessions one user may have at once. Unset: no limit. Enforced atomically at `login()`.
   * @default undefined
   */
  maxSessionsPerUser?: number;
  /**
   * At the limit, `'evict-oldest'` signs out the user's oldest session; `'reject'` refuses the login with
   * `TooManySessionsException` (409).
   * @default 'evict-oldest'
   */
  onSessionLimit?: SessionLimitPolicy;
  /** Device facts `login()` records for device lists. */
  device?: DeviceRecordingOptions;
  /**
   * Register `SessionInterceptor` as a global interceptor. Turn off only to apply it per controller.
   * @default true
   */
  globalInterceptor?: boolean;
}
