import { randomBytes } from 'node:crypto';

/** The HTTP platforms the sample runs on. */
export type HttpAdapterName = 'express' | 'fastify';

/** How many devices a user may be signed in on at once, unless `MAX_SESSIONS_PER_USER` says otherwise. */
export const DEFAULT_MAX_SESSIONS_PER_USER = 3;

/** The largest `MAX_SESSIONS_PER_USER` the library accepts. */
const MAX_SESSIONS_PER_USER_LIMIT = 10_000;

/** The sample's settings, read from the environment once at startup. */
export interface SampleConfig {
  /** Port to listen on (`PORT`, default 3000). */
  readonly port: number;
  /** HTTP platform (`HTTP_ADAPTER`, default `express`). */
  readonly adapter: HttpAdapterName;
  /** Redis URL (`REDIS_URL`); unset means the in-memory store. */
  readonly redisUrl: string | undefined;
  /** Secret that signs session cookies (`SESSION_SECRET`, or a random one for this run). */
  readonly sessionSecret: string;
  /** True when `SESSION_SECRET` was unset and `sessionSecret` was generated at startup. */
  readonly secretGenerated: boolean;
  /**
   * Most devices (sessions) one user may be signed in on (`MAX_SESSIONS_PER_USER`, default 3); signing in
   * on one more signs out the oldest. `0`: no limit.
   */
  readonly maxSessionsPerUser: number;
  /**
   * With Redis and a random secret, a key prefix of this run's own (`sess:run-<8 hex>:`); otherwise
   * `undefined` (the library's `sess:`). Sessions of an earlier run cannot be used once the secret has
   * changed (no cookie verifies), yet they would still be listed on the Devices page and count towards
   * the device limit until they expire; in a prefix of their own this run never sees them, and they expire
   * unseen within the idle timeout.
   */
  readonly keyPrefix: string | undefined;
}

/** Raised when an environment variable holds a value the sample cannot use. */
export class SampleConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SampleConfigError';
  }
}

/**
 * Reads the sample's settings from `env`, failing fast with a message that says what is expected.
 *
 * @example
 * const config = loadSampleConfig(process.env);
 */
export function loadSampleConfig(env: NodeJS.ProcessEnv): SampleConfig {
  const port = parsePort(env.PORT);
  const adapter = parseAdapter(env.HTTP_ADAPTER);
  const redisUrl = nonEmpty(env.REDIS_URL)?.trim();
  const secret = nonEmpty(env.SESSION_SECRET);
  const maxSessionsPerUser = parseMaxSessions(env.MAX_SESSIONS_PER_USER);
  return {
    port,
    adapter,
    redisUrl,
    // 48 random bytes give a 64-character secret, well over the library's 32-character minimum.
    sessionSecret: secret ?? randomBytes(48).toString('base64url'),
    secretGenerated: secret === undefined,
    maxSessionsPerUser,
    keyPrefix:
      secret === undefined && redisUrl !== undefined ? `sess:run-${randomBytes(4).toString('hex')}:` : undefined,
  };
}

/**
 * A Redis URL fit for a log line: any password replaced by `***`, so the startup message can say where
 * sessions go without leaking the credential.
 */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: say nothing about it rather than risk printing a secret.
    return '(unparsable REDIS_URL)';
  }
}

/** Unset and blank count as "not set"; a value is otherwise kept as given (a secret is never trimmed). */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function parsePort(value: string | undefined): number {
  const raw = nonEmpty(value)?.trim();
  if (raw === undefined) return 3000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw new SampleConfigError(`PORT must be a whole number from 1 to 65535, got "${raw}"`);
  }
  return port;
}

function parseAdapter(value: string | undefined): HttpAdapterName {
  const raw = nonEmpty(value)?.trim().toLowerCase() ?? 'express';
  if (raw !== 'express' && raw !== 'fastify') {
    throw new SampleConfigError(`HTTP_ADAPTER must be "express" or "fastify", got "${raw}"`);
  }
  return raw;
}

function parseMaxSessions(value: string | undefined): number {
  const raw = nonEmpty(value)?.trim();
  if (raw === undefined) return DEFAULT_MAX_SESSIONS_PER_USER;
  const max = Number(raw);
  if (!/^\d+$/.test(raw) || max > MAX_SESSIONS_PER_USER_LIMIT) {
    throw new SampleConfigError(
      `MAX_SESSIONS_PER_USER must be a whole number from 0 (no limit) to ${MAX_SESSIONS_PER_USER_LIMIT}, got "${raw}"`,
    );
  }
  return max;
}
