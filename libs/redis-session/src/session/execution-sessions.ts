import type { ExecutionContext } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { executionTargetOf, type ExecutionTarget } from '../transport/execution-target.js';
import type { SessionContext } from './session-context.js';

/** What the WebSocket integration records about a socket when it connects. */
export interface SocketHandshake {
  readonly request: IncomingMessage;
  /** Told, after each message that loaded the session, whether the cookie still named a live session. */
  readonly sessionLoaded?: (live: boolean) => void;
}

/**
 * The one home of per-execution session state, as nestjs-cls keeps one store per request: the session
 * context of each execution, the sockets' handshakes, which interceptor instance handles an execution,
 * and the save in progress per session. Keyed by what identifies an execution: the raw Node request of an
 * HTTP request or GraphQL operation (Fastify wraps it, Express extends it; the resolvers of one operation
 * share it), or a WebSocket message's argument list. Weak maps throughout: nothing to clean up, nothing
 * attached to an object a serializer could pick up.
 *
 * One per process (`executionSessions`), because `@Session()` is a parameter decorator, which Nest calls
 * without dependency injection.
 */
export class ExecutionSessions {
  private readonly byRequest = new WeakMap<IncomingMessage, SessionContext>();
  /**
   * A socket lives for many messages, so its session is loaded afresh for each one (a revoked session is
   * noticed on the next message): one context per message, keyed by the message's argument list, which its
   * guards and interceptors share. Parameter decorators get a copy of that list, so they find the context
   * through the message's async scope, entered by the interceptor around the handler.
   */
  private readonly byMessage = new WeakMap<object, SessionContext>();
  private readonly messageScope = new AsyncLocalStorage<SessionContext>();
  private readonly handshakes = new WeakMap<object, SocketHandshake>();
  /** Executions an interceptor instance already handles (see `SessionInterceptor.intercept`). */
  private readonly intercepted = new WeakSet<ExecutionContext>();
  /** The save in progress per session: GraphQL resolves a query's fields concurrently, on one session. */
  private readonly saving = new WeakMap<SessionContext, Promise<void>>();

  /** The request (and response, socket, message) an execution's session belongs to; `undefined` for none. */
  targetOf(execution: ExecutionContext): ExecutionTarget | undefined {
    return executionTargetOf(execution, (socket) => this.handshakes.get(socket)?.request);
  }

  /** The context already created for this execution, if any. Creates nothing, sends nothing. */
  find(execution: ExecutionContext): SessionContext | undefined {
    const target = this.targetOf(execution);
    if (target === undefined) return undefined;
    if (target.message === undefined) return this.byRequest.get(target.request);
    return this.byMessage.get(target.message) ?? this.messageScope.getStore();
  }

  /** The execution's context, created with `create` on first use. */
  findOrCreate(target: ExecutionTarget, create: () => SessionContext): SessionContext {
    const { request, message } = target;
    const existing = message === undefined ? this.byRequest.get(request) : this.byMessage.get(message);
    if (existing !== undefined) return existing;
    const context = create();
    if (message === undefined) this.byRequest.set(request, context);
    else this.byMessage.set(message, context);
    return context;
  }

  /** Runs `work` (a handler's pipeline) so that `@Session()` finds `context`: needed over a socket only. */
  withinMessage<T>(execution: ExecutionContext, context: SessionContext, work: () => T): T {
    return this.targetOf(execution)?.message === undefined ? work() : this.messageScope.run(context, work);
  }

  /** Records a socket's handshake (WebSocket integration only). Forgotten with the socket. */
  rememberHandshake(socket: object, handshake: SocketHandshake): void {
    this.handshakes.set(socket, handshake);
  }

  /** The handshake recorded for a socket, if any. */
  handshakeOf(socket: object): SocketHandshake | undefined {
    return this.handshakes.get(socket);
  }

  /**
   * Whether this is the first interceptor to see the execution. With `globalInterceptor: true` (or an app's
   * own `@UseInterceptors(SessionInterceptor)`) a second instance sees the same execution and must let it
   * through rather than save twice.
   */
  claim(execution: ExecutionContext): boolean {
    if (this.intercepted.has(execution)) return false;
    this.intercepted.add(execution);
    return true;
  }

  /** Runs `save` after the save already running on this session, if any, so a new session is created once. */
  serialize(context: SessionContext, save: () => Promise<void>): Promise<void> {
    const previous = this.saving.get(context);
    const current = previous === undefined ? save() : previous.then(save, save);
    this.saving.set(context, current);
    return current;
  }
}

/** The process's one `ExecutionSessions`. */
export const executionSessions = new ExecutionSessions();
