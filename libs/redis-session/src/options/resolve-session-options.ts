import { validateSync, type ValidationError } from 'class-validator';
import { SessionConfigurationError } from '../errors/session-configuration.error.js';
import type { RedisSessionModuleOptions } from './redis-session-options.interface.js';
import type { ResolvedSessionOptions } from './resolved-session-options.js';
import { secretProblems } from './secret-problems.js';
import { SESSION_DEFAULTS } from './session-defaults.js';
import { CookieOptionsSchema, DeviceOptionsSchema, SessionOptionsSchema } from './session-options.schema.js';

const HOST_PREFIX = '__host-';
const SECURE_PREFIX = '__secure-';

/**
 * Constraints that say what kind of value an option takes. When one fails, the range checks that also
 * failed add nothing, so each option gets one line: the first of these that failed, else the first failure.
 */
const KIND_FIRST = [
  'whitelistValidation',
  'isArray',
  'arrayMinSize',
  'isString',
  'isInt',
  'isBoolean',
  'isIn',
  'isRedisConnection',
  'isPlainObject',
];

/** Flattens class-validator errors into one "option: got X, needs Y" line per option. */
function toLines(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const lines: string[] = [];
    if (error.constraints) {
      const names = Object.keys(error.constraints);
      const chosen = KIND_FIRST.find((name) => names.includes(name)) ?? names[0]!;
      lines.push(
        chosen === 'whitelistValidation' ? `${prefix}${error.property}: unknown option` : error.constraints[chosen]!,
      );
    }
    return [...lines, ...toLines(error.children ?? [], `${prefix}${error.property}.`)];
  });
}

function validate<T extends object>(schema: T, raw: object, prefix: string): string[] {
  Object.assign(schema, raw);
  return toLines(validateSync(schema, { whitelist: true, forbidNonWhitelisted: true }), prefix).map((line) =>
    line.startsWith(prefix) || prefix === '' ? line : `${prefix}${line}`,
  );
}

/** Combinations each option allows alone but that browsers or the design reject together (S11). */
function contradictions(
  options: RedisSessionModuleOptions,
  touchAfter: number,
  idleTimeout: number,
  invalid: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const cookie = typeof options.cookie === 'object' && options.cookie !== null ? options.cookie : {};
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
        `cookie.secure: got ${String(cookie.secure ?? SESSION_DEFAULTS.secure)}, needs true with a __Host- cookie name (leave the name unset to get __Host-sid on HTTPS and sid on HTTP)`,
      );
  }
  if (name?.startsWith(SECURE_PREFIX) && cookie.secure !== true) {
    problems.push(
      `cookie.secure: got ${String(cookie.secure ?? SESSION_DEFAULTS.secure)}, needs true with a __Secure- cookie name`,
    );
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

/**
 * Validates the raw options of `forRoot()` and applies every default. The only place defaults live.
 * @throws SessionConfigurationError listing every problem, one line each.
 */
export function resolveSessionOptions(raw: RedisSessionModuleOptions | undefined): ResolvedSessionOptions {
  if (typeof raw !== 'object' || raw === null) {
    throw new SessionConfigurationError([`options: got ${String(raw)}, needs an object with at least { secrets }`]);
  }
  const problems = validate(new SessionOptionsSchema(), raw, '');
  // Listed first: the option every configuration needs, and the one an unset environment variable breaks.
  if (Array.isArray(raw.secrets)) problems.unshift(...secretProblems(raw.secrets));
  if (raw.cookie !== undefined && typeof raw.cookie === 'object' && raw.cookie !== null) {
    problems.push(...validate(new CookieOptionsSchema(), raw.cookie, 'cookie.'));
  }
  if (typeof raw.device === 'object' && raw.device !== null && !Array.isArray(raw.device)) {
    problems.push(...validate(new DeviceOptionsSchema(), raw.device, 'device.'));
  }
  const idleTimeout = raw.idleTimeout ?? SESSION_DEFAULTS.idleTimeout;
  const touchAfter = raw.touchAfter ?? Math.floor(idleTimeout / SESSION_DEFAULTS.touchAfterDivisor);
  const anonymousIdleTimeout = raw.anonymousIdleTimeout ?? Math.min(SESSION_DEFAULTS.anonymousIdleTimeout, idleTimeout);
  const invalid = new Set(problems.map((line) => line.slice(0, line.indexOf(':'))));
  problems.push(...contradictions(raw, touchAfter, idleTimeout, invalid));
  if (problems.length > 0) throw new SessionConfigurationError(problems);

  const cookie = raw.cookie ?? {};
  // __Host- forbids Domain and any Path but '/': fall back to __Secure- when the app sets either.
  const hostOnly = cookie.domain === undefined && (cookie.path ?? SESSION_DEFAULTS.path) === '/';
  return Object.freeze({
    redis: raw.redis ?? SESSION_DEFAULTS.redisUrl,
    store: raw.store ?? SESSION_DEFAULTS.store,
    secrets: Object.freeze([...raw.secrets]),
    idleTimeout,
    anonymousIdleTimeout,
    absoluteTimeout: raw.absoluteTimeout ?? SESSION_DEFAULTS.absoluteTimeout,
    touchAfter,
    // The same fraction of the shorter timeout: a session that idles out sooner is refreshed sooner.
    anonymousTouchAfter: Math.floor((touchAfter * anonymousIdleTimeout) / idleTimeout),
    keyPrefix: raw.keyPrefix ?? SESSION_DEFAULTS.keyPrefix,
    cookie: Object.freeze({
      secureName:
        cookie.name ?? (hostOnly ? SESSION_DEFAULTS.secureCookieName : SESSION_DEFAULTS.securePrefixedCookieName),
      plainName: cookie.name ?? SESSION_DEFAULTS.plainCookieName,
      httpOnly: cookie.httpOnly ?? SESSION_DEFAULTS.httpOnly,
      secure: cookie.secure ?? SESSION_DEFAULTS.secure,
      sameSite: cookie.sameSite ?? SESSION_DEFAULTS.sameSite,
      path: cookie.path ?? SESSION_DEFAULTS.path,
      domain: cookie.domain,
      maxAge: cookie.maxAge,
    }),
    trustProxy: raw.trustProxy ?? SESSION_DEFAULTS.trustProxy,
    maxSessionBytes: raw.maxSessionBytes ?? SESSION_DEFAULTS.maxSessionBytes,
    commandTimeout: raw.commandTimeout ?? SESSION_DEFAULTS.commandTimeout,
    waitForReplicas: raw.waitForReplicas ?? SESSION_DEFAULTS.waitForReplicas,
    globalInterceptor: raw.globalInterceptor ?? SESSION_DEFAULTS.globalInterceptor,
    maxSessionsPerUser: raw.maxSessionsPerUser ?? 0,
    onSessionLimit: raw.onSessionLimit ?? SESSION_DEFAULTS.onSessionLimit,
    rotationGracePeriod: raw.rotationGracePeriod ?? SESSION_DEFAULTS.rotationGracePeriod,
    keyspaceEvents: raw.keyspaceEvents ?? SESSION_DEFAULTS.keyspaceEvents,
    socketCheckInterval: raw.socketCheckInterval ?? SESSION_DEFAULTS.socketCheckInterval,
    device: Object.freeze({
      userAgent: raw.device?.userAgent ?? SESSION_DEFAULTS.recordUserAgent,
      ip: raw.device?.ip ?? SESSION_DEFAULTS.recordIp,
    }),
  });
}
