import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

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
   * the cookie is persistent with `Max-Age` = this, capped by the time left to the session's absolute
   * deadline (S13). It is sent when the session ID is issued, not renewed on activity (the server enforces
   * the idle timeout), so set it at least as long as `absoluteTimeout` unless the cookie should end sooner.
   * @default undefined (browser-session cookie)
   */
  maxAge?: number;
}

/** What `login()` does when a user already has `maxSessionsPerUser` sessions. */
export type SessionLimitPolicy = 'evict-oldest' | 'reject';

/** What `login()` records about the device, for `SessionRepository.listForUser()`. */
export interface DeviceRecordingOptions {
  /**
   * What to record of the `User-Agent` header, returned as `userAgent` by `listForUser()`:
   * - `true`: a short description of the client, such as "Chrome 131 on Windows", "Safari 17 on iPhone" or
   *   "curl 8" (`describeUserAgent`; for a client it does not recognise, the header's start), at most 64
   *   bytes, so the record stays in Redis's compact listpack encoding.
   * - `'full'`: the header itself, first 256 characters. A browser's is over 64 bytes, which moves the
   *   record to Redis's larger hashtable encoding (about three times the memory) unless the server's
   *   `hash-max-listpack-value` is raised (docs/scaling.md).
   * - `false`: nothing.
   * @default true
   */
  userAgent?: boolean | 'full';
  /**
   * Record the client's IP address: the socket's peer, or with `trustProxy` an `X-Forwarded-For` entry
   * (see `trustProxy` for which one).
   * @default true
   */
  ip?: boolean;
}

/** Where sessions are kept. */
export type SessionStoreKind = 'redis' | 'memory';

/**
 * A Redis Cluster for the module to connect to: a few startup nodes (the others are discovered) and
 * ioredis `ClusterOptions`, with per-node settings such as `password` or `tls` under `redisOptions`.
 *
 * @example
 * { cluster: { nodes: [{ host: 'redis-0', port: 6379 }, { host: 'redis-1', port: 6379 }] } }
 */
export interface RedisClusterConnection {
  cluster: { nodes: ClusterNode[]; options?: ClusterOptions };
}

/**
 * What `redis` accepts: a URL; ioredis options (with `sentinels` and `name` for a Sentinel group);
 * `{ cluster: { nodes, options } }` for a Redis Cluster; or a client the app owns, a `Redis` or a
 * `Cluster` (never closed by the module).
 */
export type RedisConnection = string | RedisOptions | RedisClusterConnection | Redis | Cluster;

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
   * The Redis connection: a `redis://` / `rediss://` URL, ioredis options (`{ sentinels, name }` for a
   * Sentinel group), `{ cluster: { nodes, options } }` for a Redis Cluster, or an existing ioredis client
   * (`Redis` or `Cluster`). A client passed in belongs to the app and is never closed by the module.
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
   * A session that nobody signed in to (a visitor's cart, a CSRF token) unused for this long expires. It
   * bounds what cookie-less clients can make Redis keep: each anonymous session that holds data is a
   * record of about 100–300 bytes, kept this long after its last use. At most `idleTimeout`; set it to
   * `idleTimeout` to keep anonymous sessions as long as signed-in ones.
   * @default 300_000 (5 minutes), or `idleTimeout` when that is shorter
   */
  anonymousIdleTimeout?: number;
  /**
   * A request that changes nothing refreshes the idle timer only when the last refresh is older than this,
   * so most reads cost no write. Anonymous sessions use the same fraction of `anonymousIdleTimeout`.
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
   * Trust the `X-Forwarded-Proto` and `X-Forwarded-For` headers a proxy in front of the app sets (behind
   * a TLS-terminating proxy or load balancer), to tell HTTPS requests and the client's IP address.
   * - `false`: trust neither; the socket decides.
   * - a number `n`: exactly `n` proxies of yours stand in front of the app; each appends to the headers, so
   *   the entry `n` from the right is the one your outermost proxy wrote: what the client sent before it
   *   cannot be chosen. Prefer this.
   * - `true`: trust every proxy and take the left-most entry, which is whatever the client sent when your
   *   proxy appends rather than replaces: a client can then choose the IP address recorded for its device.
   * @default false
   */
  trustProxy?: boolean | number;
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
   * After a login and after a logout (a signed-in record written, a record deleted, an old ID retired by
   * a login or regenerate), wait until this many replicas hold the write (Redis `WAIT`), for at most half
   * of `commandTimeout`. Replication is asynchronous: without this, a failover right after a login can
   * lose it (the user is signed out), one right after a logout can bring the session back, and one right
   * after a regenerate can bring back the ID it replaced. When fewer replicas answer in time the request
   * still succeeds and a warning is logged; for a hard guarantee set `min-replicas-to-write` on the server.
   * `false` never waits.
   * @default false
   */
  waitForReplicas?: number | false;
  /**
   * After `login()` or `regenerate()` moves a session to a new ID, requests already in flight with the old
   * cookie are told so for this long, instead of starting an empty session whose cookie would overwrite
   * the new one in the browser. None of them ever sets or clears the cookie. When the session stayed with
   * the same owner (a `regenerate()`, or the same user signing in again) they are forwarded: they read and
   * write the new session, signed in as before, but cannot rotate or end it (`SessionMovedException`,
   * 409). When it moved into someone's login (from an anonymous session, or another user's) they get an
   * empty session that is never stored: an old, possibly planted, ID never sees or changes the login.
   * `0` turns this off: requests with the old cookie then find no session at all.
   * @default 5_000
   */
  rotationGracePeriod?: number;
  /**
   * Also report sessions that expire while nobody presents them, as `expired` events with reason
   * `'unseen'`, from Redis keyspace notifications. Needs `notify-keyspace-events` to include `Ex` on the
   * server (the module only reads the setting, and says so once at startup when it is off or `CONFIG` is
   * refused). Uses one extra connection per Redis primary.
   * @default false
   */
  keyspaceEvents?: boolean;
  /**
   * How often sockets opened through `nest-redis-session/websockets` are checked for a session that
   * ended (logout, revocation, expiry): such a socket is closed (code 4401 on `ws`, `disconnect(true)` on
   * socket.io, after an `exception` event). A socket is also checked whenever a message loads its session.
   * The check reads without refreshing the idle timer: an open socket alone does not keep a session alive.
   * `0` turns the periodic check off.
   * @default 60_000
   */
  socketCheckInterval?: number;
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
   * Also run `SessionInterceptor` on every route, not only on handlers with `@Session()` (which bind it
   * themselves). Needed only when code other than a `@Session()` handler changes the session on a route
   * without one: a guard of the app's (an `AuthGuard` subclass, say) that writes to the session. It costs
   * every route of the app Nest's interceptor pipeline (docs/benchmark.md).
   * @default false
   */
  globalInterceptor?: boolean;
}
