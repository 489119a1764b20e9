import { Injectable, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DEMO_ACCOUNTS } from './demo-users.js';
import { hashPassword, verifyPassword, type PasswordHash } from './password-hasher.js';
import type { User } from './user.interface.js';

interface StoredUser {
  readonly user: User;
  readonly password: PasswordHash;
}

/** The sample's user store: the demo accounts, with their passwords hashed at startup. */
@Injectable()
export class UsersService implements OnModuleInit {
  private readonly byUsername = new Map<string, StoredUser>();
  private readonly byId = new Map<string, User>();
  /** Checked against when the username is unknown, so that case costs a hash too. */
  private decoy: PasswordHash | undefined;

  /** Nest awaits this before the app listens, so no request finds the store half-built. */
  async onModuleInit(): Promise<void> {
    for (const { password, ...user } of DEMO_ACCOUNTS) {
      this.byUsername.set(user.username, { user, password: await hashPassword(password) });
      this.byId.set(user.id, user);
    }
    this.decoy = await hashPassword(randomBytes(16).toString('hex'));
  }

  /**
   * The user whose username and password these are, or `undefined`. An unknown username runs the same
   * scrypt work as a wrong password, so timing does not tell which usernames exist.
   */
  async verifyCredentials(username: string, password: string): Promise<User | undefined> {
    const stored = this.byUsername.get(username.trim().toLowerCase());
    const matches = await verifyPassword(password, stored?.password ?? this.requireDecoy());
    return matches && stored !== undefined ? stored.user : undefined;
  }

  /** The user with this ID, or `undefined` (a session may outlive an account). */
  findById(id: string): User | undefined {
    return this.byId.get(id);
  }

  /** The demo accounts' usernames, for the sign-in page's hint. */
  listUsers(): User[] {
    return [...this.byId.values()];
  }

  private requireDecoy(): PasswordHash {
    if (this.decoy === undefined) throw new Error('UsersService used before the module was initialised');
    return this.decoy;
  }
}
