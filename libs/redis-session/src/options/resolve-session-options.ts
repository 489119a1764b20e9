import { SessionConfigurationError } from '../errors/session-configuration.error.js';
import { contradictions } from './option-contradictions.js';
import { validateInto } from './option-validation.js';
import type { RedisSessionModuleOptions } from './redis-session-options.interface.js';
import { secretProblems } from './secret-problems.js';
import {
  CookieOptionsSchema,
  DERIVED_DEFAULTS,
  DeviceOptionsSchema,
  SessionOptionsSchema,
} from './session-options.schema.js';

/** An object that is not an array: what `cookie` and `device` take (validated as such by the schema). */
function objectOrEmpty(value: unknown): object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

/**
 * Validates the raw options of `forRoot()` and applies every default: those of the schemas (each
 * property's initial value) and the ones that depend on other options (`DERIVED_DEFAULTS`). What it
 * returns is `ResolvedSessionOptions`, the only form of the options anything downstream sees.
 * @throws SessionConfigurationError listing every problem, one line each.
 */
export function resolveSessionOptions(raw: RedisSessionModuleOptions | undefined) {
  if (typeof raw !== 'object' || raw === null) {
    throw new SessionConfigurationError([`options: got ${String(raw)}, needs an object with at least { secrets }`]);
  }
  const options = new SessionOptionsSchema();
  const cookie = new CookieOptionsSchema();
  const device = new DeviceOptionsSchema();
  const problems = validateInto(options, raw);
  // Listed first: the option every configuration needs, and the one an unset environment variable breaks.
  if (Array.isArray(raw.secrets)) problems.unshift(...secretProblems(raw.secrets));
  problems.push(...validateInto(cookie, objectOrEmpty(raw.cookie), 'cookie.'));
  problems.push(...validateInto(device, objectOrEmpty(raw.device), 'device.'));
  const { idleTimeout } = options;
  const touchAfter = options.touchAfter ?? Math.floor(idleTimeout / DERIVED_DEFAULTS.touchAfterDivisor);
  const anonymousIdleTimeout =
    options.anonymousIdleTimeout ?? Math.min(DERIVED_DEFAULTS.anonymousIdleTimeout, idleTimeout);
  const invalid = new Set(problems.map((line) => line.slice(0, line.indexOf(':'))));
  problems.push(...contradictions(raw, touchAfter, idleTimeout, invalid));
  if (problems.length > 0) throw new SessionConfigurationError(problems);

  // __Host- forbids Domain and any Path but '/': fall back to __Secure- when the app sets either.
  const hostOnly = cookie.domain === undefined && cookie.path === '/';
  return Object.freeze({
    redis: options.redis,
    store: options.store,
    secrets: Object.freeze([...options.secrets]),
    idleTimeout,
    /** Idle timeout of a session nobody signed in to; at most `idleTimeout`. */
    anonymousIdleTimeout,
    absoluteTimeout: options.absoluteTimeout,
    touchAfter,
    /** `touchAfter` for anonymous sessions: the same fraction of the shorter timeout. */
    anonymousTouchAfter: Math.floor((touchAfter * anonymousIdleTimeout) / idleTimeout),
    keyPrefix: options.keyPrefix,
    cookie: Object.freeze({
      /** Name used on secure requests. */
      secureName:
        cookie.name ?? (hostOnly ? DERIVED_DEFAULTS.secureCookieName : DERIVED_DEFAULTS.securePrefixedCookieName),
      /** Name used on plain-HTTP requests. */
      plainName: cookie.name ?? DERIVED_DEFAULTS.plainCookieName,
      httpOnly: cookie.httpOnly,
      secure: cookie.secure,
      sameSite: cookie.sameSite,
      path: cookie.path,
      domain: cookie.domain,
      maxAge: cookie.maxAge,
    }),
    /** `false`, `true` (every proxy), or how many proxies stand in front of the app. */
    trustProxy: options.trustProxy,
    maxSessionBytes: options.maxSessionBytes,
    commandTimeout: options.commandTimeout,
    /** Replicas that must acknowledge a login or logout (`WAIT`); `false`: do not wait. */
    waitForReplicas: options.waitForReplicas,
    globalInterceptor: options.globalInterceptor,
    /** `0`: no limit. */
    maxSessionsPerUser: options.maxSessionsPerUser ?? 0,
    onSessionLimit: options.onSessionLimit,
    rotationGracePeriod: options.rotationGracePeriod,
    keyspaceEvents: options.keyspaceEvents,
    /** ms between checks of open sockets' sessions; `0`: off. */
    socketCheckInterval: options.socketCheckInterval,
    /** `userAgent`: `true` records a description of the client, `'full'` the header, `false` nothing. */
    device: Object.freeze({ userAgent: device.userAgent, ip: device.ip }),
  });
}
