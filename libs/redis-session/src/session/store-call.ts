import { Logger } from '@nestjs/common';
import { messageOf } from '../errors/error-message.js';
import { SessionStoreUnavailableException } from '../errors/session-store-unavailable.exception.js';

const logger = new Logger('RedisSession');

/**
 * A store call made for a request. Any failure or timeout becomes a 503 that leaves the cookie alone,
 * so the user is signed in again as soon as the store is back (S30). Takes the call's promise rather
 * than a function: every store method is `async`, so it cannot throw before its promise exists, and the
 * read path saves a frame.
 */
export function storeCall<T>(pending: Promise<T>): Promise<T> {
  return pending.catch(unavailable);
}

function unavailable(error: unknown): never {
  logger.warn(`session store unavailable: ${messageOf(error)}`);
  throw new SessionStoreUnavailableException(error);
}
