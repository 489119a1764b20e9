import { RedisSessionError } from './redis-session.error.js';

/**
 * `@Session()` found no loaded session: `SessionInterceptor`, which `@Session()` binds to its handler, did
 * not run (the handler was called outside Nest's pipeline, or another decorator replaced the method).
 */
export class SessionNotLoadedError extends RedisSessionError {
  constructor() {
    super(
      '@Session() found no loaded session: SessionInterceptor did not run for this handler. @Session() binds it ' +
        'to the method it decorates; if a decorator of yours replaces that method, add @UseInterceptors(SessionInterceptor) ' +
        'or set globalInterceptor: true.',
    );
  }
}
