import { RedisSessionError } from './redis-session.error.js';

/** A store command failed or timed out. The original error is kept as `cause`. */
export class SessionStoreError extends RedisSessionError {
  constructor(operation: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Session store ${operation} failed: ${reason}`, { cause });
  }
}
