import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard, RedisSessionModule, type RedisSessionModuleOptions } from 'nest-redis-session';
import { AuthController } from './auth/auth.controller.js';
import { AuthService } from './auth/auth.service.js';
import { CartController } from './cart/cart.controller.js';
import { CartService } from './cart/cart.service.js';
import { DEFAULT_MAX_SESSIONS_PER_USER } from './config/sample-config.js';
import { DevicesController } from './devices/devices.controller.js';
import { DevicesService } from './devices/devices.service.js';
import { PagesController } from './pages/pages.controller.js';
import { ProfileController } from './profile/profile.controller.js';
import { SessionEventsLogger } from './session-events.logger.js';
import { SettingsController } from './settings/settings.controller.js';
import { UsersService } from './users/users.service.js';

/** How the app keeps its sessions. */
export interface SessionSettings {
  /** Redis URL; `undefined` keeps sessions in memory (one process, lost on restart). */
  readonly redisUrl: string | undefined;
  /** Secret that signs the session cookie, at least 32 characters. */
  readonly sessionSecret: string;
  /**
   * Most devices one user may be signed in on at once; signing in on one more signs out the oldest.
   * `0`: no limit. @default 3 (`DEFAULT_MAX_SESSIONS_PER_USER`)
   */
  readonly maxSessionsPerUser?: number;
}

/**
 * The library's options for these settings: Redis when a URL is given, the in-memory store otherwise, and
 * the per-user session limit with the `'evict-oldest'` policy (the library's default, spelled out here).
 */
export function sessionOptionsFor(settings: SessionSettings): RedisSessionModuleOptions {
  const secrets = [settings.sessionSecret];
  const store: RedisSessionModuleOptions =
    settings.redisUrl === undefined
      ? { store: 'memory', secrets }
      : { store: 'redis', redis: settings.redisUrl, secrets };
  const maxSessionsPerUser = settings.maxSessionsPerUser ?? DEFAULT_MAX_SESSIONS_PER_USER;
  // The library takes "no limit" as the option left out; the sample's setting says it with 0.
  return maxSessionsPerUser === 0 ? store : { ...store, maxSessionsPerUser, onSessionLimit: 'evict-oldest' };
}

/**
 * The sample app. Every route requires a signed-in session, because `AuthGuard` is registered for the
 * whole app (`APP_GUARD`); the few open routes (the home page, sign-in and sign-out) say so with
 * `@Public()`. A route added later is therefore protected unless someone decides otherwise. For the
 * opposite style, guarding chosen controllers with `@UseGuards(AuthGuard)`, see `ProfileController`.
 */
@Module({
  controllers: [
    AuthController,
    ProfileController,
    SettingsController,
    CartController,
    DevicesController,
    PagesController,
  ],
  providers: [
    UsersService,
    AuthService,
    CartService,
    DevicesService,
    SessionEventsLogger,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
})
export class AppModule {
  /**
   * The app with its session store. A dynamic module, so `main.ts` and the tests choose the store.
   *
   * @example
   * NestFactory.create(AppModule.forRoot({ redisUrl: process.env.REDIS_URL, sessionSecret }))
   */
  static forRoot(settings: SessionSettings): DynamicModule {
    return { module: AppModule, imports: [RedisSessionModule.forRoot(sessionOptionsFor(settings))] };
  }
}
