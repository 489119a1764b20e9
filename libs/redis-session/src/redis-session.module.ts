import { Inject, Module, Optional, type DynamicModule } from '@nestjs/common';
import { RedisSessionError } from './errors/redis-session.error.js';
import { REDIS_SESSION_OPTIONS } from './redis-session.constants.js';
import { ASYNC_OPTIONS_TYPE, ConfigurableRedisSessionModule, OPTIONS_TYPE } from './redis-session.module-definition.js';
import { sessionExports, sessionProviders } from './redis-session.providers.js';

/**
 * Server-side sessions in Redis. Import the module `forRoot()` or `forRootAsync()` returns once, in the root
 * module: it is global, so `@Session()`, `AuthGuard` and `SessionRepository` work in every module. With
 * `isGlobal: false`, import it in a module of the app's that also exports it, and import that module in
 * each feature module that uses sessions (one store, one connection for all).
 *
 * @example
 * @Module({
 *   imports: [
 *     RedisSessionModule.forRoot({ redis: process.env.REDIS_URL, secrets: [process.env.SESSION_SECRET!] }),
 *   ],
 * })
 * export class AppModule {}
 */
@Module({})
export class RedisSessionModule extends ConfigurableRedisSessionModule {
  constructor(
    // Optional only to replace Nest's "can't resolve dependencies" with what to do: the options are always
    // provided in the module that forRoot() and forRootAsync() return.
    @Optional() @Inject(REDIS_SESSION_OPTIONS) options?: unknown,
  ) {
    super();
    if (options === undefined) {
      throw new RedisSessionError(
        'RedisSessionModule was imported without forRoot() or forRootAsync(): import the module they return. ' +
          'With isGlobal: false, import it once in a module of your own that also exports it, and import that ' +
          'module wherever sessions are used.',
      );
    }
  }

  /** Registers the module with options known now. Options are validated at bootstrap. */
  static forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return RedisSessionModule.withProviders(super.forRoot(options));
  }

  /** Registers the module with options from a factory, a class or an existing provider. */
  static forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return RedisSessionModule.withProviders(super.forRootAsync(options));
  }

  private static withProviders(definition: DynamicModule): DynamicModule {
    return {
      ...definition,
      providers: [...(definition.providers ?? []), ...sessionProviders],
      exports: [...(definition.exports ?? []), ...sessionExports],
    };
  }
}

/** The same module under the shorter name: `SessionModule.forRoot(...)`. */
export { RedisSessionModule as SessionModule };
