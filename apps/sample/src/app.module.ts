import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuthGuard, RedisSessionModule, type RedisSessionModuleOptions } from 'nest-redis-session';
import { AuthController } from './auth/auth.controller.js';
import { AuthService } from './auth/auth.service.js';
import { DEFAULT_SIGN_IN_LIMITS, signInThrottling, type SignInLimits } from './auth/sign-in-limits.js';
import { CartController } from './cart/cart.controller.js';
import { CartService } from './cart/cart.service.js';
import { DEFAULT_MAX_SESSIONS_PER_USER } from './config/sample-config.js';
import { DevicesController } from './devices/devices.controller.js';
import { DevicesService } from './devices/devices.service.js';
import { FaviconController } from './pages/favicon.controller.js';
import { HtmlErrorFilter } from './pages/html-error.filter.js';
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
  /**
   * Prefix of the app's Redis keys. `main.ts` gives each run its own when the secret is random (see
   * `loadSampleConfig`). @default the library's, `'sess:'`
   */
  readonly keyPrefix?: string;
}

/** Everything `AppModule.forRoot()` takes: the sessions, and the sign-in rate limit. */
export interface AppSettings extends SessionSettings {
  /** Sign-in attempts allowed per IP address and per username. @default DEFAULT_SIGN_IN_LIMITS */
  readonly signInLimits?: SignInLimits;
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
      : {
          store: 'redis',
          redis: settings.redisUrl,
          secrets,
          ...(settings.keyPrefix === undefined ? {} : { keyPrefix: settings.keyPrefix }),
        };
  const maxSessionsPerUser = settings.maxSessionsPerUser ?? DEFAULT_MAX_SESSIONS_PER_USER;
  // The library takes "no limit" as the option left out; the sample's setting says it with 0.
  return maxSessionsPerUser === 0 ? store : { ...store, maxSessionsPerUser, onSessionLimit: 'evict-oldest' };
}

/**
 * The sample app. Every route requires a signed-in session, because `AuthGuard` is registered for the
 * whole app (`APP_GUARD`); the few open routes (the home page, sign-in and sign-out, the icon) say so with
 * `@Public()`. A route added later is therefore protected unless someone decides otherwise. For the
 * opposite style, guarding chosen controllers with `@UseGuards(AuthGuard)`, see `ProfileController`.
 * Errors are pages of the shop, except on the JSON API (`HtmlErrorFilter`, `APP_FILTER`); the two sign-in
 * routes are rate-limited (`ThrottlerGuard` on each, limits from `ThrottlerModule`).
 */
@Module({
  controllers: [
    AuthController,
    ProfileController,
    SettingsController,
    CartController,
    DevicesController,
    PagesController,
    FaviconController,
  ],
  providers: [
    UsersService,
    AuthService,
    CartService,
    DevicesService,
    SessionEventsLogger,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: HtmlErrorFilter },
  ],
})
export class AppModule {
  /**
   * The app with its session store and sign-in limits. A dynamic module, so `main.ts` and the tests
   * choose them.
   *
   * @example
   * NestFactory.create(AppModule.forRoot({ redisUrl: process.env.REDIS_URL, sessionSecret }))
   */
  static forRoot(settings: AppSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RedisSessionModule.forRoot(sessionOptionsFor(settings)),
        ThrottlerModule.forRoot(signInThrottling(settings.signInLimits ?? DEFAULT_SIGN_IN_LIMITS)),
      ],
    };
  }
}
