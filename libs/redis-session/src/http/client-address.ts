import type { IncomingMessage } from 'node:http';

/**
 * Longest `User-Agent` kept: enough to tell devices apart. 64 bytes is also the largest value Redis keeps
 * in a hash's compact listpack encoding (`hash-max-listpack-value`); one longer field would switch the
 * whole session record to the larger hashtable encoding.
 */
const MAX_USER_AGENT = 64;

/** The request's `User-Agent`, truncated. */
export function userAgentOf(request: IncomingMessage): string | undefined {
  const agent = request.headers['user-agent'];
  return agent ? agent.slice(0, MAX_USER_AGENT) : undefined;
}

/** The client's address: the first `X-Forwarded-For` entry when a proxy is trusted, else the socket's peer. */
export function clientIpOf(request: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first.slice(0, 64);
  }
  return request.socket?.remoteAddress;
}
