import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { KeyspaceExpiryListener } from './events/keyspace-expiry.listener.js';
import { SessionEvents } from './events/session-events.js';
import { AuthGuard } from './guards/auth.guard.js';
import { SessionInterceptor } from './interceptors/session.interceptor.js';
import type { RedisSessionModuleOptions } from './options/redis-session-options.interface.js';
import { resolveSessionOptions } from './options/resolve-session-options.js';
import type { ResolvedSessionOptions } from './options/resolved-session-options.js';
import { REDIS_SESSION_CLIENT, REDIS_SESSION_CLOCK, REDIS_SESSION_OPTIONS } from './redis-session.constants.js';
import { RAW_OPTIONS_TOKEN } from './redis-session.module-definition.js';
import { SessionManager } from './session/session-manager.js';
import { MemorySessionStore } from './store/memory-session.store.js';
import { createRedisConnection, type SessionRedisConnection } from './store/redis-client.factory.js';
import { RedisSessionLifecycle, SESSION_CONNECTION } from './store/redis-lifecycle.js';
import { RedisSessionStore } from './store/redis-session.store.js';
import { SessionRepository } from './store/session.repository.js';
import { SessionStore } from './store/session-store.js';
import { SessionTelemetry } from './telemetry/session-telemetry.js';
import { telemetryProviders } from './telemetry/telemetry.providers.js';

/** Every provider of `RedisSessionModule`, whichever way its options arrive (`forRoot`, `forRootAsync`). */
export const sessionProviders: Provider[] = [
  { provide: REDIS_SESSION_CLOCK, useValue: Date.now },
  {
    provide: REDIS_SESSION_OPTIONS,
    useFactory: (raw: RedisSessionModuleOptions) => resolveSessionOptions(raw),
    inject: [RAW_OPTIONS_TOKEN],
  },
  {
    provide: SESSION_CONNECTION,
    useFactory: (options: ResolvedSessionOptions) =>
      options.store === 'redis' ? createRedisConnection(options) : null,
    inject: [REDIS_SESSION_OPTIONS],
  },
  {
    provide: REDIS_SESSION_CLIENT,
    useFactory: (connection: SessionRedisConnection | null) => connection?.client ?? null,
    inject: [SESSION_CONNECTION],
  },
  RedisSessionLifecycle,
  SessionEvents,
  ...telemetryProviders,
  {
    provide: SessionStore,
    useFactory: (
      options: ResolvedSessionOptions,
      connection: SessionRedisConnection | null,
      clock: () => number,
      telemetry: SessionTelemetry,
    ) =>
      telemetry.instrument(
        connection
          ? new RedisSessionStore(connection.client, options, connection.owned)
          : new MemorySessionStore(options, clock),
      ),
    inject: [REDIS_SESSION_OPTIONS, SESSION_CONNECTION, REDIS_SESSION_CLOCK, SessionTelemetry],
  },
  {
    provide: SessionRepository,
    useFactory: (store: SessionStore, options: ResolvedSessionOptions, events: SessionEvents) =>
      new SessionRepository(store, options, events),
    inject: [SessionStore, REDIS_SESSION_OPTIONS, SessionEvents],
  },
  SessionManager,
  KeyspaceExpiryListener,
  AuthGuard,
  SessionInterceptor,
  {
    // Always declared, because with forRootAsync() the options are not known when the module is
    // declared; the factory decides at bootstrap. Nest skips a global enhancer whose factory returns
    // null, so with the option off (the default) no route pays for an interceptor it does not use.
    provide: APP_INTERCEPTOR,
    useFactory: (options: ResolvedSessionOptions, interceptor: SessionInterceptor) =>
      options.globalInterceptor ? interceptor : null,
    inject: [REDIS_SESSION_OPTIONS, SessionInterceptor],
  },
];

/** What the module makes available to the app (the module is global unless `isGlobal: false`). */
export const sessionExports = [
  SessionEvents,
  REDIS_SESSION_OPTIONS,
  REDIS_SESSION_CLIENT,
  SessionRepository,
  SessionStore,
  SessionManager,
  AuthGuard,
  SessionInterceptor,
];
