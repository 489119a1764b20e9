import { Logger } from '@nestjs/common';
import { messageOf } from '../errors/error-message.js';
import { SessionStoreUnavailableException } from '../errors/session-store-unavailable.exception.js';

const logger = new Logger('RedisSession');

/**
 * Runs a store call made for a request. Any failure or timeout becomes a 503 that leaves the cookie alone,
 * so the user is signed in again as soon as the store is back (S30).
 */
export async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    logger.warn(`session store unavailable: ${messageOf(error)}`);
    throw new SessionStoreUnavailableException(error);
  }
}
