import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { RedisSessionModuleOptions } from '../options/redis-session-options.interface.js';
import { REDIS_SESSION_CLOCK } from '../redis-session.constants.js';
import { RedisSessionModule } from '../redis-session.module.js';
import { SessionTestKit } from './session-test-kit.js';
import { TestClock } from './test-clock.js';

/**
 * `RedisSessionModule` for an app's own tests: the in-memory store, a random secret, a `TestClock` to
 * move time by hand, and `SessionTestKit` to create signed-in sessions. Import it instead of
 * `RedisSessionModule` (for example with `Test.createTestingModule(...).overrideModule()`), or next to
 * your controllers in a test module.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [RedisSessionTestingModule.forRoot({ idleTimeout: 60_000 })],
 *   controllers: [ProfileController],
 * }).compile();
 */
@Module({})
export class RedisSessionTestingModule {
  /** Any `RedisSessionModule` option may be given; `store` is always `'memory'`, `secrets` defaults to a random one. */
  static forRoot(options: Partial<Omit<RedisSessionModuleOptions, 'store' | 'redis'>> = {}): DynamicModule {
    const base = RedisSessionModule.forRoot({
      secrets: [randomBytes(32).toString('base64url')],
      ...options,
      store: 'memory',
    });
    const clock: Provider[] = [
      TestClock,
      { provide: REDIS_SESSION_CLOCK, useFactory: (test: TestClock) => () => test.now(), inject: [TestClock] },
    ];
    return {
      ...base,
      // The test clock replaces the module's: providers later in the list win.
      providers: [...(base.providers ?? []), ...clock, SessionTestKit],
      exports: [...(base.exports ?? []), TestClock, SessionTestKit],
    };
  }
}
