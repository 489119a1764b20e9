/** DI token of the validated, complete options (see `ResolvedSessionOptions`). */
export const REDIS_SESSION_OPTIONS = Symbol('REDIS_SESSION_OPTIONS');

/**
 * DI token of the in-memory store's clock (`() => number`, ms since the epoch): its deadlines, and with it
 * everything the module compares with stored times (new sessions' times, `@RecentLogin()`, device lists).
 * `Date.now` unless a test module replaces it (see `nest-redis-session/testing`). With Redis, all of that
 * is judged by the Redis server's clock instead (see `SessionStore.now`), never by this one.
 */
export const REDIS_SESSION_CLOCK = Symbol('REDIS_SESSION_CLOCK');

/** DI token of the ioredis client the Redis store talks to. */
export const REDIS_SESSION_CLIENT = Symbol('REDIS_SESSION_CLIENT');

/** Metadata key set by `@Public()`: the global `AuthGuard` lets the route through. */
export const PUBLIC_ROUTE_METADATA = 'redis-session:public';

/** Metadata key set by `@RecentLogin()`: the `AuthGuard` also requires a login this recent (ms). */
export const RECENT_LOGIN_METADATA = 'redis-session:recent-login';

/** Metadata key set by `@Session()` on a handler: the interceptor loads the session before it runs. */
export const USES_SESSION_METADATA = 'redis-session:uses-session';
