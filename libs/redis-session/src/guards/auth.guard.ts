import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SessionUnauthorizedException } from '../errors/session-unauthorized.exception.js';
import { PUBLIC_ROUTE_METADATA, RECENT_LOGIN_METADATA } from '../redis-session.constants.js';
import { SessionManager } from '../session/session-manager.js';
import type { SessionApi } from '../session/session.interface.js';

/** Why `AuthGuard` refused a request. */
export type AuthFailureReason = 'not-authenticated' | 'login-too-old';

/**
 * Lets a request through only when its session is signed in (`login()` was called). Use per controller
 * with `@UseGuards(AuthGuard)`, or app-wide as `APP_GUARD` with `@Public()` on the exceptions.
 *
 * Guards run before interceptors in Nest, so the guard loads the session itself; the interceptor and
 * `@Session()` then reuse that load. Fails closed: no cookie, a bad signature, an unknown, expired or
 * malformed session → 401; the store down or slow → 503 (S27). The handler is not called either way.
 *
 * Works the same on controllers, GraphQL resolvers and WebSocket `@SubscribeMessage()` handlers (over a
 * socket the session is loaded afresh for every message, from the handshake's cookie).
 *
 * Subclass to change the response: override `throwUnauthorized`.
 *
 * @example
 * providers: [{ provide: APP_GUARD, useClass: AuthGuard }]
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly sessions: SessionManager,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic(context)) return true;
    const session = await this.sessions.load(context);
    if (!session.isAuthenticated) this.throwUnauthorized(context, 'not-authenticated', session);
    const maxAge = this.reflector.getAllAndOverride<number | undefined>(RECENT_LOGIN_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (maxAge !== undefined) {
      const at = session.authenticatedAt?.getTime() ?? 0;
      if (this.sessions.now() - at > maxAge) this.throwUnauthorized(context, 'login-too-old', session);
    }
    return true;
  }

  /** Whether the route is marked `@Public()`. Override to add rules of your own. */
  protected isPublic(context: ExecutionContext): boolean {
    return (
      this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE_METADATA, [
        context.getHandler(),
        context.getClass(),
      ]) === true
    );
  }

  /**
   * Throws the refusal. Override to answer differently (a redirect to the login page, another
   * exception), but keep throwing: returning lets the request through.
   */
  protected throwUnauthorized(
    _context: ExecutionContext,
    reason: AuthFailureReason,
    _session: SessionApi<object>,
  ): never {
    throw new SessionUnauthorizedException(
      reason === 'login-too-old' ? 'Please sign in again to continue' : 'Sign-in required',
    );
  }
}
