import { SessionStoreError } from '../errors/session-store.error.js';

/**
 * Settles with `pending`, or rejects with a `SessionStoreError` after `ms`. A client that queues commands
 * while disconnected (ioredis does by default) would otherwise hold the request forever (S30).
 */
export function withTimeout<T>(pending: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SessionStoreError('command', new Error(`no reply within ${ms} ms`))), ms);
  });
  return Promise.race([pending, timeout])
    .catch(toStoreError)
    .finally(() => clearTimeout(timer));
}

/** Rethrows a store command's failure as a `SessionStoreError` (a 503), keeping the cause. */
export function toStoreError(error: unknown): never {
  throw error instanceof SessionStoreError ? error : new SessionStoreError('command', error);
}
