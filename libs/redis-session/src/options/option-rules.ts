/** What option values must look like: the patterns and limits `session-options.schema.ts` checks against. */
import type { RedisConnection } from './redis-session-options.interface.js';

/** RFC 6265 cookie-name token characters. */
export const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * An absolute path without separators or control characters that could split the header (S11): printable
 * US-ASCII only (RFC 6265; Node refuses other bytes in headers), no ';' or ','.
 */
export const COOKIE_PATH = /^\/[\x21-\x2b\x2d-\x3a\x3c-\x7e]*$/;
/** A host name, optionally with a leading dot. */
export const COOKIE_DOMAIN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
/** No glob characters (S36), no braces (they are the cluster hash tag), no whitespace. */
export const KEY_PREFIX = /^[^\s*?[\]\\{}]*$/;
/** A year caps the absolute lifetime and a persistent cookie. */
export const ONE_YEAR = 365 * 24 * 60 * 60_000;
/** The longest delay a Node timer takes: caps the idle timeout and the socket check interval. */
export const MAX_TIMER = 2_147_483_647;

/** Whether a value is a connection description the store can use. */
export function isRedisConnection(value: unknown): value is RedisConnection {
  if (typeof value === 'string') return /^rediss?:\/\//.test(value);
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object that is not an array: what `cookie` and `device` take. */
export function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
