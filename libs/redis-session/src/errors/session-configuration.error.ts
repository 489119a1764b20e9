import { RedisSessionError } from './redis-session.error.js';

/**
 * Thrown at bootstrap when the module's options are invalid. The message says what to fix: the problem on
 * the same line when there is one, one line per problem otherwise.
 */
export class SessionConfigurationError extends RedisSessionError {
  /** One "option: got X, needs Y" line per problem. */
  declare readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const header = 'Invalid RedisSessionModule options:';
    super(
      problems.length === 1 ? `${header} ${problems[0]}` : `${header}\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    // Not enumerable: Node prints an error's own enumerable properties after its stack, and the message
    // already says all of it. A startup failure then reads as the message and the stack, nothing repeated.
    Object.defineProperty(this, 'problems', { value: Object.freeze([...problems]), enumerable: false });
  }
}
