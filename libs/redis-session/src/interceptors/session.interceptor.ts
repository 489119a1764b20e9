import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, concatMap, throwError, type Observable } from 'rxjs';
import { USES_SESSION_METADATA } from '../redis-session.constants.js';
import type { SessionContext } from '../session/session-context.js';
import { SessionManager } from '../session/session-manager.js';

/**
 * Loads the session before a handler that declares `@Session()`, and saves it after the handler, before
 * the response is written (so a redirect never races its own save). Registered globally by the module;
 * with `globalInterceptor: false`, apply it with `@UseInterceptors(SessionInterceptor)`.
 *
 * A route that uses neither `@Session()` nor `AuthGuard` passes straight through: no store command.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  /** Handlers looked up once: reading metadata on every request is wasted work. */
  private readonly usesSession = new WeakMap<object, boolean>();

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionManager,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    if (this.handlerUsesSession(context.getHandler())) {
      const session = this.sessions.contextOf(context);
      return session.load().then(() => this.persistAfter(session, next));
    }
    const session = this.sessions.existingContextOf(context);
    return session === undefined ? next.handle() : this.persistAfter(session, next);
  }

  private persistAfter(session: SessionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      concatMap(async (result: unknown) => {
        await session.commit();
        session.writeCookie();
        return result;
      }),
      catchError((error: unknown) => {
        // Data changes of a failed handler are dropped, but a login or logout it made already happened
        // in the store: the cookie must follow, or the browser keeps an ID that no longer exists.
        session.writeCookie();
        return throwError(() => error);
      }),
    );
  }

  private handlerUsesSession(handler: object): boolean {
    let uses = this.usesSession.get(handler);
    if (uses === undefined) {
      uses = this.reflector.get<boolean | undefined>(USES_SESSION_METADATA, handler as () => unknown) === true;
      this.usesSession.set(handler, uses);
    }
    return uses;
  }
}
