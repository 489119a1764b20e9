import type { IncomingMessage } from 'node:http';
import type { SessionContext } from './session-context.js';

/**
 * One session context per request, keyed by the raw Node request (Fastify wraps it; Express extends it),
 * so the guard, the interceptor and `@Session()` share it. A WeakMap: nothing to clean up, nothing
 * attached to the request object that a serializer could pick up.
 */
const contexts = new WeakMap<IncomingMessage, SessionContext>();

/** The context already created for this request, if any. */
export function findSessionContext(request: IncomingMessage): SessionContext | undefined {
  return contexts.get(request);
}

/** Remembers the context of a request. */
export function rememberSessionContext(request: IncomingMessage, context: SessionContext): void {
  contexts.set(request, context);
}
