import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Cluster, Redis } from 'ioredis';
import { messageOf } from '../errors/error-message.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { REDIS_SESSION_CLIENT, REDIS_SESSION_OPTIONS } from '../redis-session.constants.js';
import type { RedisClient } from '../store/lua-script.js';
import { RedisSessionStore } from '../store/redis-session.store.js';
import { describeClient } from '../store/redis-topology.js';

/**
 * How ioredis refuses a command when it has no connection: the module's clients do not queue commands
 * while disconnected (`enableOfflineQueue: false`), and a socket can fail mid-command.
 */
const NO_CONNECTION =
  /Stream isn't writeable|isn't ready|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT/;

/**
 * The error a down check reports. A lost connection reads as "Redis unreachable (…)" with where and what
 * the client is doing, rather than ioredis' internals ("Stream isn't writeable and enableOfflineQueue
 * options is false"); anything Redis itself answered (NOPERM, READONLY, ...) keeps its own words.
 */
function asHealthFailure(error: unknown, client: RedisClient): Error {
  if (client.status !== 'ready' || NO_CONNECTION.test(messageOf(error))) {
    return new Error(`Redis unreachable (no connection to ${describeClient(client)}; the client is ${client.status})`, {
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(messageOf(error));
}

/** What the indicator reports about the session store when it is up. */
export type SessionStoreHealth =
  | { readonly store: 'memory' }
  | {
      readonly store: 'redis';
      /** PING round trip in ms (the slowest primary's, on a cluster). */
      readonly latency: number;
      /** `'reloaded'` when the server had lost them (a restart, `SCRIPT FLUSH`) and this check loaded them again. */
      readonly scripts: 'loaded' | 'reloaded';
    };

/**
 * A `@nestjs/terminus` health indicator for the session store: Redis answers `PING`, within
 * `commandTimeout`, and holds the library's Lua scripts. Down when Redis is unreachable ("Redis
 * unreachable (no connection to 10.0.0.5:6379; the client is reconnecting)"), fails (Redis's own error) or
 * is too slow ("timeout of 1000ms exceeded"); up with `store: 'memory'` with the in-memory store.
 *
 * Scripts the server lost (a restart without persistence, `SCRIPT FLUSH`) do not make it down: requests
 * still work, because each script is re-sent in full when Redis answers `NOSCRIPT`. The check loads them
 * again, so requests stop paying for that, and reports `scripts: 'reloaded'`.
 *
 * Import `TerminusModule` and add the indicator to the providers of the module with your health controller.
 *
 * @example
 * @Controller('health')
 * class HealthController {
 *   constructor(
 *     private readonly health: HealthCheckService,
 *     private readonly sessions: RedisSessionHealthIndicator,
 *   ) {}
 *
 *   @Get()
 *   @HealthCheck()
 *   check() {
 *     return this.health.check([() => this.sessions.check()]);
 *   }
 * }
 *
 * @Module({ imports: [TerminusModule], controllers: [HealthController], providers: [RedisSessionHealthIndicator] })
 * export class HealthModule {}
 */
@Injectable()
export class RedisSessionHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS_SESSION_CLIENT) private readonly client: RedisClient | null,
    @Inject(REDIS_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
  ) {}

  /**
   * Checks the session store. Resolves `{ [key]: { status: 'up', store, latency, scripts, responseTime } }`,
   * or `status: 'down'` with a `message` (never rejects: `HealthCheckService` turns a down into a 503).
   */
  async check<const Key extends string = 'sessions'>(
    key: Key = 'sessions' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const client = this.client;
    if (client === null) return indicator.up({ store: 'memory' } satisfies SessionStoreHealth);
    return indicator.attempt(() => this.probe(client)).withTimeout(this.options.commandTimeout);
  }

  private async probe(client: RedisClient): Promise<SessionStoreHealth> {
    try {
      return await this.probeAll(client);
    } catch (error) {
      throw asHealthFailure(error, client);
    }
  }

  private async probeAll(client: RedisClient): Promise<SessionStoreHealth> {
    // On a cluster every primary runs scripts for its own slots, so every primary must answer and hold them.
    const primaries =
      (client as Partial<Cluster>).isCluster === true ? (client as Cluster).nodes('master') : [client as Redis];
    if (primaries.length === 0) throw new Error('no Redis Cluster primary is known');
    const results = await Promise.all(primaries.map((primary) => this.probeServer(primary)));
    return {
      store: 'redis',
      latency: Math.max(...results.map((result) => result.latency)),
      scripts: results.some((result) => result.reloaded) ? 'reloaded' : 'loaded',
    };
  }

  private async probeServer(server: Redis): Promise<{ latency: number; reloaded: boolean }> {
    const start = performance.now();
    await server.ping();
    const latency = Math.round(performance.now() - start);
    const scripts = RedisSessionStore.scripts;
    const exists = (await server.script('EXISTS', ...scripts.map((script) => script.sha))) as number[];
    const missing = scripts.filter((_, i) => exists[i] !== 1);
    await Promise.all(missing.map((script) => server.script('LOAD', script.source)));
    return { latency, reloaded: missing.length > 0 };
  }
}
