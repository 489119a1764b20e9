import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
} from 'class-validator';
import { needs } from './option-message.js';
import {
  COOKIE_DOMAIN,
  COOKIE_NAME,
  COOKIE_PATH,
  isPlainObject,
  isRedisConnection,
  KEY_PREFIX,
  MAX_TIMER,
  ONE_YEAR,
} from './option-rules.js';
import type {
  RedisConnection,
  SameSite,
  SessionLimitPolicy,
  SessionStoreKind,
} from './redis-session-options.interface.js';

const cookiePrefix = 'cookie.';

/** The shortest secret accepted (S9): 32 characters, as from 32+ random bytes. */
export const MINIMUM_SECRET_LENGTH = 32;

/**
 * Defaults that depend on other options, applied by `resolveSessionOptions`. Every other default is the
 * initial value of its property in the schemas below: the one place each lives.
 */
export const DERIVED_DEFAULTS = {
  /** `touchAfter`: `idleTimeout` divided by this. */
  touchAfterDivisor: 10,
  /** `anonymousIdleTimeout`: this, or `idleTimeout` when that is shorter. */
  anonymousIdleTimeout: 5 * 60_000,
  /** `cookie.name` on HTTPS requests: `__Host-sid`, or `__Secure-sid` with a `domain` or a `path` but `/`. */
  secureCookieName: '__Host-sid',
  securePrefixedCookieName: '__Secure-sid',
  /** `cookie.name` on plain HTTP. */
  plainCookieName: 'sid',
} as const;

/**
 * The `cookie` option: its validation and its defaults (each property's initial value). Instances are
 * built from the raw option by `resolveSessionOptions`.
 */
export class CookieOptionsSchema {
  @IsOptional()
  @IsString(needs('a string', {}, cookiePrefix))
  @Matches(COOKIE_NAME, needs("a cookie-name token (letters, digits, !#$%&'*+-.^_`|~)", {}, cookiePrefix))
  @MaxLength(64, needs('at most 64 characters', {}, cookiePrefix))
  name?: string;

  @IsOptional()
  @IsBoolean(needs('true or false', {}, cookiePrefix))
  httpOnly: boolean = true;

  @IsOptional()
  @IsIn([true, false, 'auto'], needs("true, false or 'auto'", {}, cookiePrefix))
  secure: boolean | 'auto' = 'auto';

  @IsOptional()
  @IsIn(['lax', 'strict', 'none'], needs("'lax', 'strict' or 'none'", {}, cookiePrefix))
  sameSite: SameSite = 'lax';

  @IsOptional()
  @IsString(needs('a string', {}, cookiePrefix))
  @Matches(
    COOKIE_PATH,
    needs("a path starting with '/' of printable ASCII without spaces, ';' or ','", {}, cookiePrefix),
  )
  path: string = '/';

  @IsOptional()
  @IsString(needs('a string', {}, cookiePrefix))
  @Matches(COOKIE_DOMAIN, needs('a host name such as example.com (no port, no spaces, no ;)', {}, cookiePrefix))
  domain?: string;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds', {}, cookiePrefix))
  @Min(1_000, needs('at least 1000 (one second)', {}, cookiePrefix))
  @Max(ONE_YEAR, needs(`at most ${ONE_YEAR} (a year)`, {}, cookiePrefix))
  maxAge?: number;
}

const devicePrefix = 'device.';

/** The `device` option: its validation and its defaults. Built by `resolveSessionOptions`. */
export class DeviceOptionsSchema {
  @IsOptional()
  @IsIn(
    [true, false, 'full'],
    needs("true (a short description), 'full' (the whole header) or false", {}, devicePrefix),
  )
  userAgent: boolean | 'full' = true;

  @IsOptional()
  @IsBoolean(needs('true or false', {}, devicePrefix))
  ip: boolean = true;
}

/**
 * The options of `forRoot()`: their validation (class-validator; unknown keys are reported too) and their
 * defaults, each the initial value of its property. `RedisSessionModuleOptions` documents them.
 */
export class SessionOptionsSchema {
  @IsOptional()
  @ValidateBy(
    { name: 'isRedisConnection', validator: { validate: isRedisConnection } },
    needs('a redis:// or rediss:// URL, ioredis options or an ioredis client'),
  )
  redis: RedisConnection = 'redis://127.0.0.1:6379';

  @IsOptional()
  @IsIn(['redis', 'memory'], needs("'redis' or 'memory'"))
  store: SessionStoreKind = 'redis';

  // Each element is checked by `secretProblems`, which names the element at fault.
  @IsArray(needs(`an array of secrets, each at least ${MINIMUM_SECRET_LENGTH} characters`))
  @ArrayMinSize(1, needs('at least one secret'))
  secrets!: string[];

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(1_000, needs('at least 1000 (one second)'))
  @Max(MAX_TIMER, needs(`at most ${MAX_TIMER}`))
  idleTimeout: number = 30 * 60_000;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(1_000, needs('at least 1000 (one second)'))
  @Max(MAX_TIMER, needs(`at most ${MAX_TIMER}`))
  /** Default: `DERIVED_DEFAULTS.anonymousIdleTimeout`, or `idleTimeout` when shorter. */
  anonymousIdleTimeout?: number;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(1_000, needs('at least 1000 (one second)'))
  @Max(ONE_YEAR, needs(`at most ${ONE_YEAR} (a year)`))
  absoluteTimeout: number = 12 * 60 * 60_000;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(0, needs('0 or more'))
  /** Default: `idleTimeout / DERIVED_DEFAULTS.touchAfterDivisor`. */
  touchAfter?: number;

  @IsOptional()
  @IsString(needs('a string'))
  @Matches(KEY_PREFIX, needs('no whitespace, glob characters (* ? [ ] \\) or braces'))
  @MaxLength(100, needs('at most 100 characters'))
  keyPrefix: string = 'sess:';

  @IsOptional()
  @ValidateBy(
    {
      name: 'isPlainObject',
      validator: { validate: isPlainObject },
    },
    needs('an object of cookie attributes'),
  )
  cookie?: object;

  @IsOptional()
  @ValidateBy(
    {
      name: 'isProxyTrust',
      validator: {
        validate: (v: unknown) =>
          typeof v === 'boolean' || (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 32),
      },
    },
    needs('true, false, or the number of proxies in front of the app (1 to 32)'),
  )
  trustProxy: boolean | number = false;

  @IsOptional()
  @IsInt(needs('a whole number of bytes'))
  @Min(1_024, needs('at least 1024'))
  @Max(512 * 1024 * 1024, needs('at most 536870912 (Redis caps a value at 512 MiB)'))
  maxSessionBytes: number = 64 * 1024;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(10, needs('at least 10'))
  @Max(60_000, needs('at most 60000'))
  commandTimeout: number = 1_000;

  @IsOptional()
  @ValidateBy(
    {
      name: 'isReplicaCount',
      validator: {
        validate: (v: unknown) => v === false || (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100),
      },
    },
    needs('false or a whole number of replicas from 1 to 100'),
  )
  waitForReplicas: number | false = false;

  @IsOptional()
  @IsBoolean(needs('true or false'))
  globalInterceptor: boolean = false;

  @IsOptional()
  @IsInt(needs('a whole number of sessions'))
  @Min(1, needs('at least 1'))
  @Max(10_000, needs('at most 10000'))
  /** Unset: no limit. */
  maxSessionsPerUser?: number;

  @IsOptional()
  @IsIn(['evict-oldest', 'reject'], needs("'evict-oldest' or 'reject'"))
  onSessionLimit: SessionLimitPolicy = 'evict-oldest';

  @IsOptional()
  @IsBoolean(needs('true or false'))
  keyspaceEvents: boolean = false;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(0, needs('0 (off) or more'))
  @Max(MAX_TIMER, needs(`at most ${MAX_TIMER}`))
  socketCheckInterval: number = 60_000;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(0, needs('0 (off) or more'))
  @Max(60_000, needs('at most 60000: forwarding is for requests already in flight'))
  rotationGracePeriod: number = 5_000;

  @IsOptional()
  @ValidateBy(
    { name: 'isPlainObject', validator: { validate: isPlainObject } },
    needs(`an object: { userAgent?: true | 'full' | false, ip?: boolean }`),
  )
  device?: object;
}
