import { ServiceUnavailableException } from '@nestjs/common';

/**
 * 503: the session store did not answer within `commandTimeout` or failed. The cookie is left alone, so
 * the same session works again once the store is back.
 */
export class SessionStoreUnavailableException extends ServiceUnavailableException {
  constructor(cause?: unknown) {
    super('Session store unavailable, try again shortly', { cause });
  }
}
