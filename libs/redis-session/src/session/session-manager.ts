import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { SessionEvents } from '../events/session-events.js';
import { rawRequestOf } from '../http/http-adapter.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { REDIS_SESSION_CLOCK, REDIS_SESSION_OPTIONS } from '../redis-session.constants.js';
import { SessionRepository } from '../store/session.repository.js';
import { SessionContext, type SessionRuntime } from './session-context.js';
import { findSessionContext, rememberSessionContext } from './session-context.registry.js';
import { CookieSigner } from './session-id.js';

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
    this.runtime = { options, repository, signer: new CookieSigner(options.secrets), events, clock };
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

  /** The request's session context, created on first use. */
  contextOf(execution: ExecutionContext): SessionContext {
    const http = execution.switchToHttp();
    const request = rawRequestOf(http.getRequest<object>());
    let context = findSessionContext(request);
    if (context === undefined) {
      context = new SessionContext(this.runtime, request, http.getResponse<object>());
      rememberSessionContext(request, context);
    }
    return context;
  }

  /** The context if one exists already, without creating one (routes that never used the session). */
  existingContextOf(execution: ExecutionContext): SessionContext | undefined {
    return findSessionContext(rawRequestOf(execution.switchToHttp().getRequest<object>()));
  }
}
