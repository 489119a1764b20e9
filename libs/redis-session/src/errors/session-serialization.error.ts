import { RedisSessionError } from './redis-session.error.js';

/**
 * Thrown by a save when a session value cannot be stored as JSON (BigInt, a cycle, nesting deeper than
 * the limit). The stored session is left as it was.
 */
export class SessionSerializationError extends RedisSessionError {
  constructor(
    readonly key: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Session data key ${JSON.stringify(key)} cannot be saved: ${reason}. Store plain JSON values only.`, options);
  }
}
