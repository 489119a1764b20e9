import { MINIMUM_SECRET_LENGTH } from './session-options.schema.js';
import { describeValue } from './option-message.js';

const NEEDS = `needs a string of at least ${MINIMUM_SECRET_LENGTH} characters`;

/**
 * One "secrets[i]: got X, needs Y" line per unusable element of the `secrets` array, so the line names the
 * element at fault. Secrets usually come from the environment (`[process.env.SESSION_SECRET!]`), and the
 * most common mistake by far is a variable that is not set: an `undefined` or empty element says so.
 * A secret's text is never quoted, only its length.
 */
export function secretProblems(secrets: readonly unknown[]): string[] {
  return secrets.flatMap((secret, index) => {
    const option = `secrets[${index}]`;
    if (secret === undefined) {
      return [`${option}: got undefined, ${NEEDS} (probably an environment variable that is not set)`];
    }
    if (secret === '') return [`${option}: got an empty string, ${NEEDS} (an environment variable set to nothing?)`];
    if (typeof secret !== 'string') return [`${option}: got ${describeValue(secret, 'secret')}, ${NEEDS}`];
    if (secret.length < MINIMUM_SECRET_LENGTH) {
      return [`${option}: got a string of ${secret.length} characters, ${NEEDS} (use 32+ random bytes)`];
    }
    return [];
  });
}
