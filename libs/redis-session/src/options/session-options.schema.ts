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
import { SESSION_DEFAULTS } from './session-defaults.js';
import { needs } from './option-message.js';
import type {
  RedisConnection,
  SameSite,
  SessionLimitPolicy,
  SessionStoreKind,
} from './redis-session-options.interface.js';

/** RFC 6265 cookie-name token characters. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** An absolute path without separators or control characters that could split the header (S11). */
/** Printable US-ASCII only (RFC 6265; Node refuses other bytes in headers), no ';' or ','. */
const COOKIE_PATH = /^\/[\x21-\x2b\x2d-\x3a\x3c-\x7e]*$/;
/** A host name, optionally with a leading dot. */
const COOKIE_DOMAIN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
/** No glob characters (S36), no braces (they are the cluster hash tag), no whitespace. */
const KEY_PREFIX = /^[^\s*?[\]\\{}]*$/;
/** A day is plenty for a session's idle timeout; a year caps the absolute lifetime. */
const ONE_YEAR = 365 * 24 * 60 * 60_000;
const MAX_TIMER = 2_147_483_647;

const cookiePrefix = 'cookie.';

/** Whether a value is a connection description the store can use. */
function isRedisConnection(value: unknown): value is RedisConnection {
  if (typeof value === 'string') return /^rediss?:\/\//.test(value);
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `cookie` option, validated. Instances are built from the raw option by `resolveSessionOptions`. */
export class CookieOptionsSchema {
  @IsOptional()
  @IsString(needs('a string', {}, cookiePrefix))
  @Matches(COOKIE_NAME, needs("a cookie-name token (letters, digits, !#$%&'*+-.^_`|~)", {}, cookiePrefix))
  @MaxLength(64, needs('at most 64 characters', {}, cookiePrefix))
  name?: string;

  @IsOptional()
  @IsBoolean(needs('true or false', {}, cookiePrefix))
  httpOnly?: boolean;

  @IsOptional()
  @IsIn([true, false, 'auto'], needs("true, false or 'auto'", {}, cookiePrefix))
  secure?: boolean | 'auto';

  @IsOptional()
  @IsIn(['lax', 'strict', 'none'], needs("'lax', 'strict' or 'none'", {}, cookiePrefix))
  sameSite?: SameSite;

  @IsOptional()
  @IsString(needs('a string', {}, cookiePrefix))
  @Matches(
    COOKIE_PATH,
    needs("a path starting with '/' of printable ASCII without spaces, ';' or ','", {}, cookiePrefix),
  )
  path?: string;

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

/** An object that is not an array: what `cookie` and `device` take. */
function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const devicePrefix = 'device.';

/** The `device` option, validated. Instances are built from the raw option by `resolveSessionOptions`. */
export class DeviceOptionsSchema {
  @IsOptional()
  @IsIn(
    [true, false, 'full'],
    needs("true (a short description), 'full' (the whole header) or false", {}, devicePrefix),
  )
  userAgent?: boolean | 'full';

  @IsOptional()
  @IsBoolean(needs('true or false', {}, devicePrefix))
  ip?: boolean;
}

/** The options of `forRoot()`, validated with class-validator. Unknown keys are reported too. */
export class SessionOptionsSchema {
  @IsOptional()
  @ValidateBy(
    { name: 'isRedisConnection', validator: { validate: isRedisConnection } },
    needs('a redis:// or rediss:// URL, ioredis options or an ioredis client'),
  )
  redis?: RedisConnection;

  @IsOptional()
  @IsIn(['redis', 'memory'], needs("'redis' or 'memory'"))
  store?: SessionStoreKind;

  // Each element is checked by `secretProblems`, which names the element at fault.
  @IsArray(needs(`an array of secrets, each at least ${SESSION_DEFAULTS.minimumSecretLength} characters`))
  @ArrayMinSize(1, needs('at least one secret'))
  secrets!: string[];

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(1_000, needs('at least 1000 (one second)'))
  @Max(MAX_TIMER, needs(`at most ${MAX_TIMER}`))
  idleTimeout?: number;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(1_000, needs('at least 1000 (one second)'))
  @Max(MAX_TIMER, needs(`at most ${MAX_TIMER}`))
  anonymousIdleTimeout?: number;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(1_000, needs('at least 1000 (one second)'))
  @Max(ONE_YEAR, needs(`at most ${ONE_YEAR} (a year)`))
  absoluteTimeout?: number;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(0, needs('0 or more'))
  touchAfter?: number;

  @IsOptional()
  @IsString(needs('a string'))
  @Matches(KEY_PREFIX, needs('no whitespace, glob characters (* ? [ ] \\) or braces'))
  @MaxLength(100, needs('at most 100 characters'))
  keyPrefix?: string;

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
  trustProxy?: boolean | number;

  @IsOptional()
  @IsInt(needs('a whole number of bytes'))
  @Min(1_024, needs('at least 1024'))
  @Max(512 * 1024 * 1024, needs('at most 536870912 (Redis caps a value at 512 MiB)'))
  maxSessionBytes?: number;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(10, needs('at least 10'))
  @Max(60_000, needs('at most 60000'))
  commandTimeout?: number;

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
  waitForReplicas?: number | false;

  @IsOptional()
  @IsBoolean(needs('true or false'))
  globalInterceptor?: boolean;

  @IsOptional()
  @IsInt(needs('a whole number of sessions'))
  @Min(1, needs('at least 1'))
  @Max(10_000, needs('at most 10000'))
  maxSessionsPerUser?: number;

  @IsOptional()
  @IsIn(['evict-oldest', 'reject'], needs("'evict-oldest' or 'reject'"))
  onSessionLimit?: SessionLimitPolicy;

  @IsOptional()
  @IsBoolean(needs('true or false'))
  keyspaceEvents?: boolean;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(0, needs('0 (off) or more'))
  @Max(MAX_TIMER, needs(`at most ${MAX_TIMER}`))
  socketCheckInterval?: number;

  @IsOptional()
  @IsInt(needs('a whole number of milliseconds'))
  @Min(0, needs('0 (off) or more'))
  @Max(60_000, needs('at most 60000: forwarding is for requests already in flight'))
  rotationGracePeriod?: number;

  @IsOptional()
  @ValidateBy(
    { name: 'isPlainObject', validator: { validate: isPlainObject } },
    needs(`an object: { userAgent?: true | 'full' | false, ip?: boolean }`),
  )
  device?: object;
}
