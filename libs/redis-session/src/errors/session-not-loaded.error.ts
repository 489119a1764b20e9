import { RedisSessionError } from './redis-session.error.js';

/** `@Session()` was used on a route where neither `SessionInterceptor` nor `AuthGuard` loaded the session. */
export class SessionNotLoadedError extends RedisSessionError {
  constructor() {
    super(
      '@Session() found no loaded session: SessionInterceptor did not run for this route. ' +
        'Keep the global interceptor on (globalInterceptor: true) or add @UseInterceptors(SessionInterceptor).',
    );
  }
}
