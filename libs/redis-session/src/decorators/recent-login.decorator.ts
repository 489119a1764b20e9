import { SetMetadata } from '@nestjs/common';
import { RECENT_LOGIN_METADATA } from '../redis-session.constants.js';

/**
 * Step-up: `AuthGuard` lets the route through only if the user signed in less than `maxAgeMs` ago (S29);
 * otherwise 401, so the app can ask for the password again before, say, changing the email address.
 *
 * @example
 * @RecentLogin(5 * 60_000)
 * @Post('email')
 * changeEmail(...) { ... }
 */
export const RecentLogin = (maxAgeMs: number): MethodDecorator & ClassDecorator =>
  SetMetadata(RECENT_LOGIN_METADATA, maxAgeMs);
