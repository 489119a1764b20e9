import { Body, Controller, HttpCode, HttpStatus, Post, UnauthorizedException } from '@nestjs/common';
import { Public, Session } from 'nest-redis-session';
import type { ShopSession } from '../shop-session.interface.js';
import type { User } from '../users/user.interface.js';
import { AuthService } from './auth.service.js';

/** Signs in through the JSON API: checks the password and moves the session to a new, signed-in ID. */
@Controller('api')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /**
   * `POST /api/login` `{ username, password }` → 201 `{ user }` and a new session cookie; 401 with the
   * same message for an unknown user and a wrong password, so the answer does not reveal which it was.
   */
  @Public()
  @Post('login')
  async login(@Session() session: Session<ShopSession>, @Body() body: unknown): Promise<{ user: User }> {
    const user = await this.auth.signIn(session, body);
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
