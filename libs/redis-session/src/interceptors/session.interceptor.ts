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
  /** The save in progress per session: GraphQL resolves a query's fields concurrently, on one session. */
  private readonly saving = new WeakMap<SessionContext, Promise<void>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionManager,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    if (this.handlerUsesSession(context.getHandler())) {
      const session = this.sessions.contextOf(context);
      return this.sessions.load(context).then(() => this.persistAfter(context, session, next));
    }
    const session = this.sessions.existingContextOf(context);
    return session === undefined ? next.handle() : this.persistAfter(context, session, next);
  }

  private persistAfter(context: ExecutionContext, session: SessionContext, next: CallHandler): Observable<unknown> {
    return this.sessions
      .withinMessage(context, session, () => next.handle())
      .pipe(
        concatMap(async (result: unknown) => {
          await this.save(session);
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

  /** Saves after the save already running on this session, if any, so a new session is created once. */
  private save(session: SessionContext): Promise<void> {
    const write = async (): Promise<void> => {
      await session.commit();
      session.writeCookie();
    };
    const previous = this.saving.get(session);
    const saving = previous === undefined ? write() : previous.then(write, write);
    this.saving.set(session, saving);
    return saving;
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
