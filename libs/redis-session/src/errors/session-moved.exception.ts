import { ConflictException } from '@nestjs/common';

/**
 * 409 from `login()`, `regenerate()`, `logout()` or `destroy()` when the request's session moved to a new
 * ID while it ran (a sign-in or regenerate in another request): only the holder of the current session
 * cookie may rotate or end a session, so an old, possibly stolen or planted, ID cannot take the new one
 * over or sign it out. Nothing was changed; the browser normally holds the new cookie by now, so a retry
 * of the same request succeeds.
 */
export class SessionMovedException extends ConflictException {
  constructor() {
    super(
      'The session moved to a new ID while this request ran (a sign-in or regenerate elsewhere); nothing was changed. Retry the request.',
    );
  }
}
