import { UnauthorizedException } from '@nestjs/common';

/** 401 from `AuthGuard`: the request carries no signed-in session (missing, expired, revoked or not logged in). */
export class SessionUnauthorizedException extends UnauthorizedException {
  constructor(message = 'Sign-in required') {
    super(message);
  }
}
