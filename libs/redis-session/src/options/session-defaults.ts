/** Every default of the module, in one place. */
export const SESSION_DEFAULTS = {
  redisUrl: 'redis://127.0.0.1:6379',
  store: 'redis',
  idleTimeout: 30 * 60_000,
  absoluteTimeout: 12 * 60 * 60_000,
  /** touchAfter defaults to idleTimeout divided by this. */
  touchAfterDivisor: 10,
  keyPrefix: 'sess:',
  secureCookieName: '__Host-sid',
  securePrefixedCookieName: '__Secure-sid',
  plainCookieName: 'sid',
  httpOnly: true,
  secure: 'auto',
  sameSite: 'lax',
  path: '/',
  trustProxy: false,
  maxSessionBytes: 64 * 1024,
  commandTimeout: 1_000,
  globalInterceptor: true,
  minimumSecretLength: 32,
} as const;
