import type { IncomingMessage } from 'node:http';

/**
 * Longest `User-Agent` kept: enough to tell devices apart (browsers name themselves well past the first 64
 * characters), bounded so a header cannot bloat the record. A value over 64 bytes moves the record out of
 * Redis's compact listpack encoding unless the server's `hash-max-listpack-value` is raised; apps that
 * want the smallest records turn `device.userAgent` off (see docs/scaling.md).
 */
const MAX_USER_AGENT = 256;

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
