import { Controller, Get } from '@nestjs/common';
import { Session, SessionUnauthorizedException } from 'nest-redis-session';
import type { ShopSession } from '../shop-session.interface.js';
import type { User } from '../users/user.interface.js';
import { UsersService } from '../users/users.service.js';

/** What `GET /api/profile` returns. */
export interface ProfileResponse {
  readonly user: User;
  readonly session: {
    readonly publicId: string;
    readonly createdAt: string;
    readonly expiresAt: string;
    readonly authenticatedAt: string | undefined;
  };
}

/**
 * The signed-in user and their session. Signed-out requests never reach it: `AuthGuard` is registered for
 * the whole app in `app.module.ts` and answers 401 first.
 *
 * Without the app-wide guard, protect a controller (or a single route) yourself instead:
 *
 * @example
 * import { AuthGuard } from 'nest-redis-session';
 *
 * @Controller('api/profile')
 * @UseGuards(AuthGuard)
 * export class ProfileController { ... }
 */
@Controller('api/profile')
export class ProfileController {
  constructor(private readonly users: UsersService) {}

  /** `GET /api/profile` → 200 `{ user, session }`, or 401 when signed out. */
  @Get()
  profile(@Session() session: Session<ShopSession>): ProfileResponse {
    const user = session.userId === undefined ? undefined : this.users.findById(session.userId);
    // A session can outlive its account (deleted since sign-in): treat it as signed out.
    if (user === undefined) throw new SessionUnauthorizedException('Sign-in required');
    return {
      user,
      session: {
        // publicId is a hash of the session ID: fine to show, and useless to anyone who copies it.
        publicId: session.publicId,
        createdAt: session.createdAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
        authenticatedAt: session.authenticatedAt?.toISOString(),
      },
    };
  }
}
