import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { RedisSessionError } from '../errors/redis-session.error.js';
import { SessionEvents } from '../events/session-events.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { REDIS_SESSION_OPTIONS } from '../redis-session.constants.js';
import { SessionStore } from '../store/session-store.js';
import type { ExecutionTarget } from '../transport/execution-target.js';
import { executionSessions } from './execution-sessions.js';
import { SessionContext } from './session-context.js';
import { SessionCookie } from './session-cookie.js';
import type { SessionHandle } from './session-handle.js';
import { CookieSigner } from './session-id.js';
import type { SessionRuntime } from './session-runtime.js';
import { VerifiedCookies } from './verified-cookies.js';

/**
 * Finds, creates and loads the session context of an execution (an HTTP request, a GraphQL operation, a
 * WebSocket message). Everything a context needs that does not change per request (options, store, HMAC
 * keys) is built here once.
 */
@Injectable()
export class SessionManager {
  private readonly runtime: SessionRuntime;

  constructor(
    @Inject(REDIS_SESSION_OPTIONS) options: ResolvedSessionOptions,
    store: SessionStore,
    events: SessionEvents,
  ) {
    const signer = new CookieSigner(options.secrets);
    const clock = (): number => store.now();
    this.runtime = { options, store, signer, cookies: new VerifiedCookies(signer), events, clock };
  }

  /**
   * The store's time (ms since the epoch), by which it judges deadlines: the Redis server's clock, or the
   * memory store's (a test's clock with `nest-redis-session/testing`). The guard judges `@RecentLogin()`
   * by it, because the login time it compares with was written by the same clock.
   */
  now(): number {
    return this.runtime.clock();
  }

  /** The context if one exists already, without creating one (routes that never used the session). */
  existingContextOf(execution: ExecutionContext): SessionContext | undefined {
    return executionSessions.find(execution);
  }

  /**
   * Loads the execution's session (at most once per request or message). Over a socket, tells the
   * WebSocket integration whether the handshake's session is still live, so it can close the socket.
   */
  async load(execution: ExecutionContext): Promise<SessionHandle> {
    return (await this.loadContext(execution)).load();
  }

  /**
   * `load`, resolving the execution's context rather than its handle (for the interceptor).
   * @throws RedisSessionError where there is no request (RPC, or a GraphQL context without `req`).
   */
  async loadContext(execution: ExecutionContext): Promise<SessionContext> {
    const target = this.targetOf(execution);
    const context = executionSessions.findOrCreate(
      target,
      () => new SessionContext(this.runtime, target.request, target.response),
    );
    await context.load();
    if (target.socket !== undefined) executionSessions.handshakeOf(target.socket)?.sessionLoaded?.(!context.isNew);
    return context;
  }

  /**
   * The `publicId` the request's session cookie names, if exactly one valid, signed cookie is present.
   * No I/O: the session may no longer exist.
   */
  publicIdFromCookie(request: IncomingMessage): string | undefined {
    return new SessionCookie(this.runtime, request, undefined).read()?.verified?.publicId;
  }

  private targetOf(execution: ExecutionContext): ExecutionTarget {
    const target = executionSessions.targetOf(execution);
    if (target === undefined) {
      throw new RedisSessionError(
        `no session in a '${execution.getType()}' context: sessions belong to HTTP requests, GraphQL operations ` +
          `(the GraphQL context must hold the request: context: ({ req, res }) => ({ req, res })) and WebSocket messages`,
      );
    }
    return target;
  }
}
