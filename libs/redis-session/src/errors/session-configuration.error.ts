import { RedisSessionError } from './redis-session.error.js';

/** Thrown at bootstrap when the module's options are invalid; the message has one line per problem. */
export class SessionConfigurationError extends RedisSessionError {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid RedisSessionModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
