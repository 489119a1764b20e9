import {
  Inject,
  Logger,
  Module,
  Optional,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { RedisSessionError } from './errors/redis-session.error.js';
import { KeyspaceExpiryListener } from './events/keyspace-expiry.listener.js';
import { SessionEvents } from './events/session-events.js';
import { AuthGuard } from './guards/auth.guard.js';
import { SessionInterceptor } from './interceptors/session.interceptor.js';
import type { RedisSessionModuleOptions } from './options/redis-session-options.interface.js';
import { resolveSessionOptions } from './options/resolve-session-options.js';
import type { ResolvedSessionOptions } from './options/resolved-session-options.js';
import { REDIS_SESSION_CLIENT, REDIS_SESSION_CLOCK, REDIS_SESSION_OPTIONS } from './redis-session.constants.js';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableRedisSessionModule,
  OPTIONS_TYPE,
  RAW_OPTIONS_TOKEN,
} from './redis-session.module-definition.js';
import { SessionManager } from './session/session-manager.js';
import { MemorySessionRepository } from './store/memory-session.repository.js';
import { closeClient, connectAndPreload, describeClient } from './store/redis-bootstrap.js';
import { createRedisConnection, type SessionRedisConnection } from './store/redis-client.factory.js';
import { RedisSessionRepository } from './store/redis-session.repository.js';
import { SessionRepository } from './store/session.repository.js';
import { checkPermissions, warnAboutEviction } from './store/redis-startup-checks.js';
import { SessionTelemetry } from './telemetry/session-telemetry.js';
import { telemetryProviders } from './telemetry/telemetry.providers.js';

/** Internal token: the Redis connection and whether the module owns it; `null` with the memory store. */
const SESSION_CONNECTION = Symbol('SESSION_CONNECTION');

const providers: Provider[] = [
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
  SessionEvents,
  ...telemetryProviders,
  {
    provide: SessionRepository,
    useFactory: (
      options: ResolvedSessionOptions,
      connection: SessionRedisConnection | null,
      events: SessionEvents,
      clock: () => number,
      telemetry: SessionTelemetry,
    ) =>
      telemetry.instrument(
        connection
          ? new RedisSessionRepository(connection.client, options, events, connection.owned)
          : new MemorySessionRepository(options, clock, events),
      ),
    inject: [REDIS_SESSION_OPTIONS, SESSION_CONNECTION, SessionEvents, REDIS_SESSION_CLOCK, SessionTelemetry],
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

const exported = [
  SessionEvents,
  REDIS_SESSION_OPTIONS,
  REDIS_SESSION_CLIENT,
  SessionRepository,
  SessionManager,
  AuthGuard,
  SessionInterceptor,
];

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
export class RedisSessionModule extends ConfigurableRedisSessionModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RedisSession');

  constructor(
    // Optional only to replace Nest's "can't resolve dependencies" with what to do: both are always
    // provided in the module that forRoot() and forRootAsync() return.
    @Optional() @Inject(SESSION_CONNECTION) private readonly connection: SessionRedisConnection | null,
    @Optional() @Inject(REDIS_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
  ) {
    super();
    if (connection === undefined) {
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
      providers: [...(definition.providers ?? []), ...providers],
      exports: [...(definition.exports ?? []), ...exported],
    };
  }

  async onModuleInit(): Promise<void> {
    if (this.connection === null) {
      this.logger.warn(
        'Using the in-memory session store: sessions live in this process only and are lost on restart.',
      );
      return;
    }
    const { client, owned } = this.connection;
    await connectAndPreload(client, owned, Math.max(this.options.commandTimeout, 5_000));
    await checkPermissions(client, this.options);
    await warnAboutEviction(client, this.logger);
    this.logger.log(`Sessions stored in Redis at ${describeClient(client)}`);
  }

  /** Closes the connection the module opened, and only that one: a client passed in belongs to the app. */
  async onApplicationShutdown(): Promise<void> {
    if (this.connection?.owned) await closeClient(this.connection.client);
  }
}

/** The same module under the shorter name: `SessionModule.forRoot(...)`. */
export { RedisSessionModule as SessionModule };
