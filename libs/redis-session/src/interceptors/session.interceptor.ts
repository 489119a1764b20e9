import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable } from 'rxjs';
import { USES_SESSION_METADATA } from '../redis-session.constants.js';
import { executionSessions } from '../session/execution-sessions.js';
import type { SessionContext } from '../session/session-context.js';
import { SessionManager } from '../session/session-manager.js';

/**
 * Loads the session before a handler that declares `@Session()`, and saves it after the handler, before
 * the response is written (so a redirect never races its own save). `@Session()` binds it to its own
 * handler; with `globalInterceptor: true` the module also runs it on every route, for apps whose own
 * guards (an `AuthGuard` subclass, say) write to the session on routes without `@Session()`.
 *
 * The same for GraphQL resolvers (saved after each resolver that used the session, before Apollo writes
 * the response; the resolvers of one operation share one session) and WebSocket message handlers (saved
 * after the handler; the cookie cannot change over a socket).
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
    // `@Session()` binds the interceptor to its handler; a second binding (globalInterceptor) passes through.
    if (!executionSessions.claim(context)) return next.handle();
    if (this.handlerUsesSession(context.getHandler())) {
      return this.sessions.loadContext(context).then((session) => this.persistAfter(context, session, next));
    }
    const session = this.sessions.existingContextOf(context);
    return session === undefined ? next.handle() : this.persistAfter(context, session, next);
  }

  /**
   * The handler's stream, each value held back until the session is saved (in order, as `concatMap`
   * would: `save` queues each save after the one before, so they also finish in order). On an error, data
   * changes are dropped, but a login or logout the handler made already happened in the store: the cookie
   * must follow, or the browser keeps an ID that no longer exists. One hand-written operator rather than
   * an rxjs chain: it runs on every request that uses a session.
   */
  private persistAfter(context: ExecutionContext, session: SessionContext, next: CallHandler): Observable<unknown> {
    const source = executionSessions.withinMessage(context, session, () => next.handle());
    return new Observable<unknown>((subscriber) => {
      let pending = 0;
      let sourceDone = false;
      let failed = false;
      const fail = (error: unknown): void => {
        if (failed) return;
        failed = true;
        session.writeCookie();
        subscriber.error(error);
      };
      const subscription = source.subscribe({
        next: (value) => {
          pending += 1;
          this.save(session).then(() => {
            if (failed) return;
            subscriber.next(value);
            pending -= 1;
            if (sourceDone && pending === 0) subscriber.complete();
          }, fail);
        },
        error: fail,
        complete: () => {
          sourceDone = true;
          if (pending === 0 && !failed) subscriber.complete();
        },
      });
      return subscription;
    });
  }

  /** Saves after the save already running on this session, if any (GraphQL resolves fields concurrently). */
  private save(session: SessionContext): Promise<void> {
    return executionSessions.serialize(session, async () => {
      await session.commit();
      session.writeCookie();
    });
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
