import { Module, type DynamicModule } from '@nestjs/common';
import { ASYNC_OPTIONS_TYPE, ConfigurableRedisSessionModule, OPTIONS_TYPE } from './redis-session.module-definition.js';
import { sessionExports, sessionProviders } from './redis-session.providers.js';

/**
 * Server-side sessions in Redis. Import once, in the root module.
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
