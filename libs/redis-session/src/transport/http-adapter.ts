import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { trustedForwardedEntry } from './forwarded-header.js';

/**
 * Reading and writing HTTP requests and responses under either adapter. Nest hands enhancers Express's
 * `req`/`res` (Node objects with extras) or Fastify's `request`/`reply` wrappers (with the Node objects
 * under `.raw`); everything that depends on which lives here, except finding the response in a GraphQL
 * context (`execution-target.ts`).
 */

/** The Node request under either adapter's request object; session contexts are keyed by it. */
export function rawRequestOf(request: object): IncomingMessage {
  return ((request as { raw?: IncomingMessage }).raw ?? request) as IncomingMessage;
}

/** The Node response under either adapter's response object. */
function rawResponseOf(response: object): ServerResponse {
  return ((response as { raw?: ServerResponse }).raw ?? response) as ServerResponse;
}

/**
 * Whether the request reached us over TLS. `X-Forwarded-Proto` counts only when the app says a proxy in
 * front of it sets the header (S12), and only the entry that proxy wrote (`trustedForwardedEntry`).
 */
export function isSecureRequest(request: IncomingMessage, trustProxy: boolean | number): boolean {
  if ((request.socket as TLSSocket | undefined)?.encrypted === true) return true;
  return trustedForwardedEntry(request, 'x-forwarded-proto', trustProxy)?.toLowerCase() === 'https';
}

interface FastifyReplyLike {
  raw: ServerResponse;
  header(name: string, value: string): unknown;
}

function isFastifyReply(response: object): response is FastifyReplyLike {
  return 'raw' in response && typeof (response as FastifyReplyLike).header === 'function';
}

/** Whether the response's headers are already on the wire (a handler that wrote the response itself). */
export function headersSent(response: object): boolean {
  return rawResponseOf(response).headersSent;
}

/**
 * Adds a `Set-Cookie` header (keeping any others the app set) and `Cache-Control: no-store`, so no shared
 * cache stores a response that carries a session cookie (S15).
 */
export function appendSetCookie(response: object, setCookie: string): void {
  if (isFastifyReply(response)) {
    // Fastify collects repeated set-cookie headers into a list and writes them with the reply.
    response.header('set-cookie', setCookie);
    response.header('cache-control', 'no-store');
    return;
  }
  const raw = response as ServerResponse;
  const existing = raw.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  raw.setHeader('set-cookie', [...list, setCookie]);
  raw.setHeader('cache-control', 'no-store');
}
