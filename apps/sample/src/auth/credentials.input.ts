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

/**
 * The sign-in form's credentials, or `undefined` when a field was left empty: a person who pressed
 * "Sign in" too soon gets the form back with a notice, not an error page. Anything else malformed (a
 * 10,000-character username no form sends) is still a 400.
 */
export function parseFormCredentials(body: unknown): Credentials | undefined {
  const fields = bodyFields(body);
  const blank = (name: string): boolean => typeof fields[name] !== 'string' || fields[name].trim() === '';
  return blank('username') || blank('password') ? undefined : parseCredentials(fields);
}
