/** DI token of the validated, complete options (see `ResolvedSessionOptions`). */
export const REDIS_SESSION_OPTIONS = Symbol('REDIS_SESSION_OPTIONS');

/**
 * DI token of the clock (`() => number`, ms since the epoch) the module judges time by in the process:
 * the in-memory store's deadlines, new sessions' times, `@RecentLogin()`. `Date.now` unless a test module
 * replaces it (see `nest-redis-session/testing`). The Redis store judges deadlines by the Redis server's clock.
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
