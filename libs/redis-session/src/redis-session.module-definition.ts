import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { RedisSessionModuleOptions } from './options/redis-session-options.interface.js';

/**
 * `forRoot()` / `forRootAsync()` come from Nest's builder, as in @nestjs/cache-manager. The module is
 * global unless `isGlobal: false`: `AuthGuard` and `@Session()` are used all over an app.
 */
export const {
  ConfigurableModuleClass: ConfigurableRedisSessionModule,
  MODULE_OPTIONS_TOKEN: RAW_OPTIONS_TOKEN,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RedisSessionModuleOptions>({ moduleName: 'RedisSession' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createRedisSessionOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** Options of `RedisSessionModule.forRootAsync()`: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, `isGlobal`. */
export type RedisSessionModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;

/** What `useClass` / `useExisting` of `forRootAsync()` must implement. */
export interface RedisSessionOptionsFactory {
  createRedisSessionOptions(): RedisSessionModuleOptions | Promise<RedisSessionModuleOptions>;
}
