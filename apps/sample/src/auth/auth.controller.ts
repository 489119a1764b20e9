import { Body, Controller, HttpCode, HttpStatus, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { Public, Session } from 'nest-redis-session';
import type { ShopSession } from '../shop-session.interface.js';
import type { User } from '../users/user.interface.js';
import { AuthService } from './auth.service.js';
import { parseCredentials } from './credentials.input.js';

/** Signs in through the JSON API: checks the password and moves the session to a new, signed-in ID. */
@Controller('api')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /**
   * `POST /api/login` `{ username, password }` → 201 `{ user }` and a new session cookie; 401 with the
   * same message for an unknown user and a wrong password, so the answer does not reveal which it was;
   * 400 for missing fields; 429 over the sign-in rate limit (`sign-in-limits.ts`).
   */
  @Public()
  @Post('login')
  @UseGuards(ThrottlerGuard)
  async login(@Session() session: Session<ShopSession>, @Body() body: unknown): Promise<{ user: User }> {
    const user = await this.auth.signIn(session, parseCredentials(body));
    if (user === undefined) throw new UnauthorizedException('Invalid username or password');
    return { user };
  }

  /** `POST /api/logout` → 204; the session is deleted and the cookie cleared. Harmless when signed out. */
  @Public()
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@Session() session: Session<ShopSession>): Promise<void> {
    await session.logout();
  }
}
