/** A user of the sample, as the rest of the app sees it: never with a password or hash. */
export interface User {
  /** Stable identifier, what `session.login()` records. */
  readonly id: string;
  /** What the user types to sign in. */
  readonly username: string;
  /** Display name. */
  readonly name: string;
}
