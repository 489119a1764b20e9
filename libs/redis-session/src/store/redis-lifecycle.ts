import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { REDIS_SESSION_OPTIONS } from '../redis-session.constants.js';
import { closeClient, connectAndPreload, describeClient } from './redis-bootstrap.js';
import type { SessionRedisConnection } from './redis-client.factory.js';
import { checkPermissions, warnAboutEviction } from './redis-startup-checks.js';
import { SessionStore } from './session-store.js';

/** Internal DI token: the Redis connection and whether the module owns it; `null` with the memory store. */
export const SESSION_CONNECTION = Symbol('SESSION_CONNECTION');

/**
 * The Redis connection's life: at startup it connects, loads the scripts and checks the permissions the
 * library needs (failing the app's start with a clear error otherwise), and warns about an eviction policy
 * that could push sessions out; at shutdown it closes the connection the module opened, and only that
 * one: a client passed in belongs to the app.
 */
@Injectable()
export class RedisSessionLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RedisSession');

  constructor(
    @Inject(SESSION_CONNECTION) private readonly connection: SessionRedisConnection | null,
    @Inject(REDIS_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly store: SessionStore,
  ) {}

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
    await this.store.warmUp();
    await warnAboutEviction(client, this.logger);
    this.logger.log(`Sessions stored in Redis at ${describeClient(client)}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connection?.owned) await closeClient(this.connection.client);
  }
}
