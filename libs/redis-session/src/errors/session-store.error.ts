import { messageOf } from './error-message.js';
import { RedisSessionError } from './redis-session.error.js';

/** A store command failed or timed out. The original error is kept as `cause`. */
export class SessionStoreError extends RedisSessionError {
  constructor(operation: string, cause: unknown) {
    super(`Session store ${operation} failed: ${messageOf(cause)}`, { cause });
  }
}
