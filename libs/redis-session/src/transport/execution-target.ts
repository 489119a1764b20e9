import type { ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { rawRequestOf } from './http-adapter.js';

/**
 * The only file that knows which transport a handler runs on. For an `ExecutionContext` it finds the Node
 * request the session cookie is read from, and the response a cookie can be written to:
 *
 * - HTTP: the adapter's request and response.
 * - GraphQL (`getArgs()[2]` is the GraphQL context): its `req` (or `request`), and its `res` or `reply`,
 *   else Express's `req.res`. On Fastify the app's context must return the reply.
 * - WebSocket (`getArgs()[0]` is the client): the socket's handshake request, recorded at connection by
 *   `nest-redis-session/websockets`, else socket.io's `client.request`; no response: a socket cannot
 *   change a cookie.
 *
 * It imports neither `@nestjs/graphql` nor `@nestjs/websockets`: both stay optional.
 */

/** The request (and response, if any) that an execution's session belongs to. */
export interface ExecutionTarget {
  /** The Node request the cookie is read from: the HTTP request, or the socket's handshake request. */
  readonly request: IncomingMessage;
  /** The adapter's response, for `Set-Cookie`; `undefined` over a socket or when the GraphQL context has none. */
  readonly response: object | undefined;
  /** The client a WebSocket message came from. */
  readonly socket: object | undefined;
  /**
   * A WebSocket message's argument list: one object per message, shared by its guards and interceptors.
   * A socket's session is loaded afresh for each message, so its context is keyed by this, not the request.
   */
  readonly message: object | undefined;
}

/** The handshake request recorded for a socket when it connected, if any (see `ExecutionSessions`). */
export type HandshakeLookup = (socket: object) => IncomingMessage | undefined;

/** The request and response of an execution; `undefined` where there is none (RPC, a context without `req`). */
export function executionTargetOf(
  execution: ExecutionContext,
  handshakeOf: HandshakeLookup = () => undefined,
): ExecutionTarget | undefined {
  switch (execution.getType<string>()) {
    case 'http': {
      const http = execution.switchToHttp();
      return {
        request: rawRequestOf(http.getRequest<object>()),
        response: http.getResponse<object>(),
        socket: undefined,
        message: undefined,
      };
    }
    case 'graphql':
      return graphqlTarget(execution.getArgs()[2]);
    case 'ws':
      return socketTarget(execution.getArgs(), handshakeOf);
    default:
      return undefined;
  }
}

interface GraphqlContextLike {
  req?: unknown;
  request?: unknown;
  res?: unknown;
  reply?: unknown;
}

function graphqlTarget(context: unknown): ExecutionTarget | undefined {
  if (!isObject(context)) return undefined;
  const { req, request, res, reply } = context as GraphqlContextLike;
  const adapterRequest = req ?? request;
  if (!isObject(adapterRequest)) return undefined;
  // Express links the response from the request; Fastify does not, so its reply must be in the context.
  const response = res ?? reply ?? (adapterRequest as { res?: unknown }).res;
  return {
    request: rawRequestOf(adapterRequest),
    response: isObject(response) ? response : undefined,
    socket: undefined,
    message: undefined,
  };
}

function socketTarget(args: unknown[], handshakeOf: HandshakeLookup): ExecutionTarget | undefined {
  const socket = args[0];
  if (!isObject(socket)) return undefined;
  const request = handshakeOf(socket) ?? (socket as { request?: unknown }).request;
  if (!isObject(request) || !isObject((request as { headers?: unknown }).headers)) return undefined;
  return { request: request as IncomingMessage, response: undefined, socket, message: args };
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
