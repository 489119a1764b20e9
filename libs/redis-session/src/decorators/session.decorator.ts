import { createParamDecorator, UseInterceptors, type ExecutionContext } from '@nestjs/common';
import { SessionNotLoadedError } from '../errors/session-not-loaded.error.js';
import { SessionInterceptor } from '../interceptors/session.interceptor.js';
import { USES_SESSION_METADATA } from '../redis-session.constants.js';
import { executionSessions } from '../session/execution-sessions.js';
import type { SessionApi, SessionData } from '../session/session.interface.js';

const sessionParam = createParamDecorator((key: string | undefined, execution: ExecutionContext) => {
  const handle = executionSessions.find(execution)?.handle;
  if (handle === undefined) throw new SessionNotLoadedError();
  return key === undefined ? handle : (handle.data as Record<string, unknown>)[key];
});

/**
 * The request's session. `T` is the shape of `session.data`; by default the app's merged `SessionData`.
 * Same name as the `@Session()` decorator, as with Nest's own `@Req()`/`Request`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Session<T extends object = SessionData> extends SessionApi<T> {}

/**
 * Injects the request's session into a handler parameter: the whole handle, or one data key.
 * Declaring it binds `SessionInterceptor` to that handler (as `@UseInterceptors(SessionInterceptor)`
 * would), which loads the session before the handler runs and saves it after. Routes that declare
 * neither `@Session()` nor `AuthGuard` run no session code at all and never touch the store. Works in
 * controllers, GraphQL resolvers (queries and mutations) and WebSocket `@SubscribeMessage()` handlers.
 *
 * @example
 * @Get('cart')
 * cart(@Session() session: Session<ShopSession>) { return session.data.cart ?? []; }
 *
 * @Get('theme')
 * theme(@Session('theme') theme: string | undefined) { return { theme }; }
 */
export function Session(key?: string): ParameterDecorator {
  return (target, propertyKey, index) => {
    sessionParam(key)(target, propertyKey, index);
    if (propertyKey === undefined) return;
    const handler = (target as Record<string | symbol, unknown>)[propertyKey];
    if (typeof handler !== 'function' || Reflect.getMetadata(USES_SESSION_METADATA, handler) === true) return;
    Reflect.defineMetadata(USES_SESSION_METADATA, true, handler);
    // Bound per handler rather than app-wide: a global interceptor would cost every route of the app
    // Nest's interceptor pipeline, sessions or not (docs/benchmark.md, finding 1).
    UseInterceptors(SessionInterceptor)(target, propertyKey, { value: handler });
  };
}
