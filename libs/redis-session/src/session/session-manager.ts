import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { RedisSessionError } from '../errors/redis-session.error.js';
import { SessionEvents } from '../events/session-events.js';
import { readCookieValues } from '../http/cookie-header.js';
import { executionTargetOf, handshakeOf, type ExecutionTarget } from '../http/execution-target.js';
import { isSecureRequest } from '../http/http-adapter.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { REDIS_SESSION_CLOCK, REDIS_SESSION_OPTIONS } from '../redis-session.constants.js';
import { SessionRepository } from '../store/session.repository.js';
import { SessionContext, type SessionRuntime } from './session-context.js';
import { findSessionContext, rememberSessionContext } from './session-context.registry.js';
import type { SessionHandle } from './session-handle.js';
import { VerifiedCookies } from './verified-cookies.js';
import { CookieSigner } from './session-id.js';

/**
 * A socket lives for many messages, so its session is loaded afresh for each one (a revoked session is
 * noticed on the next message): one context per message, keyed by the message's argument list, which its
 * guards and interceptors share. Parameter decorators get a copy of that list, so they find the context
 * through the message's async scope, entered by the interceptor around the handler.
 */
const messageContexts = new WeakMap<object, SessionContext>();
const messageScope = new AsyncLocalStorage<SessionContext>();

/** The context already created for this execution, if any. Creates nothing, sends nothing. */
export function findContextOf(execution: ExecutionContext): SessionContext | undefined {
  const target = executionTargetOf(execution);
  if (target === undefined) return undefined;
  if (target.message === undefined) return findSessionContext(target.request);
  return messageContexts.get(target.message) ?? messageScope.getStore();
}

/**
 * Hands out the per-request `SessionContext`. Everything a context needs that does not change per
 * request (options, store, HMAC keys) is built here once.
 */
@Injectable()
export class SessionManager {
  private readonly runtime: SessionRuntime;

  constructor(
    @Inject(REDIS_SESSION_OPTIONS) options: ResolvedSessionOptions,
    repository: SessionRepository,
    events: SessionEvents,
    @Inject(REDIS_SESSION_CLOCK) clock: () => number,
  ) {
    const signer = new CookieSigner(options.secrets);
    this.runtime = { options, repository, signer, cookies: new VerifiedCookies(signer), events, clock };
  }

  /** The module's clock (ms since the epoch). */
  now(): number {
    return this.runtime.clock();
  }

  /** A `Cookie` request header (`name=value`) for a session ID, as a browser would send it. For test kits. */
  cookieHeaderFor(id: string, secure = false): string {
    const { cookie } = this.runtime.options;
    return `${secure ? cookie.secureName : cookie.plainName}=${this.runtime.signer.sign(id)}`;
  }

  /** The context if one exists already, without creating one (routes that never used the session). */
  existingContextOf(execution: ExecutionContext): SessionContext | undefined {
    return findContextOf(execution);
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
    const context = this.contextFor(target);
    await context.load();
    if (target.socket !== undefined) handshakeOf(target.socket)?.sessionLoaded?.(!context.isNew);
    return context;
  }

  /**
   * Runs `work` (the rest of a handler's pipeline) so that `@Session()` finds `context`: needed over a
   * socket only, where the request cannot identify the message.
   */
  withinMessage<T>(execution: ExecutionContext, context: SessionContext, work: () => T): T {
    return executionTargetOf(execution)?.message === undefined ? work() : messageScope.run(context, work);
  }

  /**
   * The `publicId` the request's session cookie names, if exactly one valid, signed cookie is present.
   * No I/O: the session may no longer exist.
   */
  publicIdFromCookie(request: IncomingMessage): string | undefined {
    const { cookie, trustProxy } = this.runtime.options;
    const secure = cookie.secure === 'auto' ? isSecureRequest(request, trustProxy) : cookie.secure;
    const values = readCookieValues(request.headers.cookie, secure ? cookie.secureName : cookie.plainName);
    const verified = this.runtime.cookies.single(values);
    return verified === 'ambiguous' ? undefined : verified?.publicId;
  }

  private targetOf(execution: ExecutionContext): ExecutionTarget {
    const target = executionTargetOf(execution);
    if (target === undefined) {
      throw new RedisSessionError(
        `no session in a '${execution.getType()}' context: sessions belong to HTTP requests, GraphQL operations ` +
          `(the GraphQL context must hold the request: context: ({ req, res }) => ({ req, res })) and WebSocket messages`,
      );
    }
    return target;
  }

  private contextFor(target: ExecutionTarget): SessionContext {
    const { request, message } = target;
    const existing = message === undefined ? findSessionContext(request) : messageContexts.get(message);
    if (existing !== undefined) return existing;
    const context = new SessionContext(this.runtime, request, target.response);
    if (message === undefined) rememberSessionContext(request, context);
    else messageContexts.set(message, context);
    return context;
  }
}
