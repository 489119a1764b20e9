import { Injectable } from '@nestjs/common';
import type { Session } from 'nest-redis-session';
import type { ShopSession } from '../shop-session.interface.js';
import type { User } from '../users/user.interface.js';
import { UsersService } from '../users/users.service.js';
import type { Credentials } from './credentials.input.js';

/** Sign-in rules, shared by the JSON API and the HTML form so both behave the same. */
@Injectable()
export class AuthService {
  constructor(private readonly users: UsersService) {}

  /** Checks the credentials and signs the session in. Returns the user, or `undefined` when they are wrong. */
  async signIn(session: Session<ShopSession>, { username, password }: Credentials): Promise<User | undefined> {
    const user = await this.users.verifyCredentials(username, password);
    if (user === undefined) return undefined;
    // Someone else signing in on the same browser must not inherit the previous user's cart and
    // settings; the same user signing in again keeps them.
    if (session.isAuthenticated && session.userId !== user.id) session.data = {};
    // login() issues a new session ID (so an ID planted before sign-in is worthless) and keeps the data.
    await session.login(user.id);
    return user;
  }
}
