import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { FakeResponse, memoryRuntime, type MemoryRuntime } from '../../spec-support/memory-runtime.js';
import { Public } from '../decorators/public.decorator.js';
import { RecentLogin } from '../decorators/recent-login.decorator.js';
import { SessionStoreUnavailableException } from '../errors/session-store-unavailable.exception.js';
import { SessionUnauthorizedException } from '../errors/session-unauthorized.exception.js';
import { SessionManager } from '../session/session-manager.js';
import type { SessionApi } from '../session/session.interface.js';
import { AuthGuard, type AuthFailureReason } from './auth.guard.js';

/**
 * The guard on the in-memory store with a clock the spec moves, as @nestjs/throttler tests its guard
 * against a storage stand-in: who gets through, and what a refusal throws. Over HTTP on both adapters with
 * a real Redis: test/session-core.e2e-spec.ts and test/robustness-guard.e2e-spec.ts.
 */
class Routes {
  open(): void {}
  @Public()
  exempt(): void {}
  @RecentLogin(60_000)
  sensitive(): void {}
}

/** A controller marked `@Public()` as a whole. */
@Public()
class PublicRoutes {
  any(): void {}
}

describe('AuthGuard', () => {
  let env: MemoryRuntime;
  let manager: SessionManager;
  let guard: AuthGuard;

  beforeEach(() => {
    env = memoryRuntime();
    const { options, store, events } = env.runtime;
    manager = new SessionManager(options, store, events);
    guard = new AuthGuard(new Reflector(), manager);
  });

  /** An HTTP execution of `handler` (on `controller`) for a request carrying `cookie`. */
  function execution(
    cookie: string | undefined,
    handler: keyof Routes = 'open',
    controller: object = Routes,
  ): ExecutionContext {
    const request = { headers: cookie === undefined ? {} : { cookie }, socket: {} } as IncomingMessage;
    const response = new FakeResponse();
    return {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
      getHandler: () => (Routes.prototype as unknown as Record<string, () => void>)[handler],
      getClass: () => controller,
      getArgs: () => [request, response],
    } as unknown as ExecutionContext;
  }

  /** A signed-in session's cookie, stored the way a login stores it. */
  async function signedIn(userId: string): Promise<string> {
    const { context, response } = env.contextFor();
    await context.load();
    await context.login(userId);
    context.writeCookie();
    return response.cookie!;
  }

  it('lets a signed-in session through, and the handler finds the session it loaded', async () => {
    const cookie = await signedIn('ann');
    const run = execution(cookie);
    await expect(guard.canActivate(run)).resolves.toBe(true);
    expect(manager.existingContextOf(run)?.userId).toBe('ann');
  });

  it('S27: refuses a request without a cookie, with a bad one, or with an anonymous session (401)', async () => {
    const { context, response } = env.contextFor();
    await context.load();
    context.data.cart = [1];
    await context.save();
    for (const cookie of [undefined, 'sid=forged.value', response.cookie]) {
      await expect(guard.canActivate(execution(cookie))).rejects.toBeInstanceOf(SessionUnauthorizedException);
    }
  });

  it('S27: refuses a session that expired on the clock', async () => {
    const cookie = await signedIn('bob');
    env.advance(env.runtime.options.idleTimeout);
    await expect(guard.canActivate(execution(cookie))).rejects.toBeInstanceOf(SessionUnauthorizedException);
  });

  it('S27: answers 503 when the store fails, never letting the request through', async () => {
    const cookie = await signedIn('cy');
    env.store.load = () => Promise.reject(new Error('connection reset'));
    await expect(guard.canActivate(execution(cookie))).rejects.toBeInstanceOf(SessionStoreUnavailableException);
  });

  it('lets @Public() routes and controllers through without loading anything', async () => {
    // A load would fail the request with a 503: the guard must not need one.
    env.store.load = () => Promise.reject(new Error('must not load'));
    await expect(guard.canActivate(execution('sid=anything', 'exempt'))).resolves.toBe(true);
    await expect(guard.canActivate(execution(undefined, 'open', PublicRoutes))).resolves.toBe(true);
  });

  it('S29: @RecentLogin() refuses a login older than its limit, by the clock', async () => {
    const cookie = await signedIn('dee');
    await expect(guard.canActivate(execution(cookie, 'sensitive'))).resolves.toBe(true);
    env.advance(60_001);
    await expect(guard.canActivate(execution(cookie, 'sensitive'))).rejects.toThrow('Please sign in again to continue');
  });

  it('lets a subclass answer a refusal its own way, with the reason', async () => {
    const reasons: AuthFailureReason[] = [];
    class RedirectingGuard extends AuthGuard {
      protected override throwUnauthorized(
        _: ExecutionContext,
        reason: AuthFailureReason,
        session: SessionApi<object>,
      ): never {
        reasons.push(reason);
        throw new Error(`redirect to /login (${session.isAuthenticated ? 'signed in' : 'anonymous'})`);
      }
    }
    const own = new RedirectingGuard(new Reflector(), manager);
    await expect(own.canActivate(execution(undefined))).rejects.toThrow('redirect to /login (anonymous)');
    const cookie = await signedIn('eli');
    env.advance(60_001);
    await expect(own.canActivate(execution(cookie, 'sensitive'))).rejects.toThrow('redirect to /login (signed in)');
    expect(reasons).toEqual(['not-authenticated', 'login-too-old']);
  });
});
