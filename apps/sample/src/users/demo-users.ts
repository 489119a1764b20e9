import type { User } from './user.interface.js';

/** A demo account: the user and the password a newcomer types to try the app. */
export interface DemoAccount extends User {
  readonly password: string;
}

/**
 * The demo accounts. Their passwords are printed on the sign-in page on purpose: this is a sample. They
 * are hashed with scrypt at startup and the plain text is never compared, so the code that checks them is
 * the code a real user store would use.
 */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { id: 'u-alice', username: 'alice', name: 'Alice Liddell', password: 'wonderland' },
  { id: 'u-bob', username: 'bob', name: 'Bob the Builder', password: 'builder' },
];
