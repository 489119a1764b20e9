import { bodyFields, requireString } from '../common/request-input.js';

/** A sign-in attempt, from the JSON API or the HTML form. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Reads `{ username, password }` from a request body, or throws a 400. */
export function parseCredentials(body: unknown): Credentials {
  const fields = bodyFields(body);
  return {
    username: requireString(fields, 'username', 64),
    // Long enough for any passphrase, short enough that nobody makes the server hash megabytes.
    password: requireString(fields, 'password', 1024),
  };
}
