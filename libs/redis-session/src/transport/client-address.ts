import type { IncomingMessage } from 'node:http';
import { describeUserAgent } from './describe-user-agent.js';
import { trustedForwardedEntry } from './forwarded-header.js';

/**
 * Longest `User-Agent` kept with `device: { userAgent: 'full' }`: enough to tell devices apart (browsers
 * name themselves well past the first 64 characters), bounded so a header cannot bloat the record. A value
 * over 64 bytes moves the record out of Redis's compact listpack encoding unless the server's
 * `hash-max-listpack-value` is raised (see docs/scaling.md).
 */
const MAX_USER_AGENT = 256;

/**
 * What `login()` records of the request's `User-Agent`: a short description of the client (`true`, at most
 * 64 bytes, `describeUserAgent`), or the header's first 256 characters (`'full'`).
 */
export function userAgentOf(request: IncomingMessage, recorded: true | 'full'): string | undefined {
  const agent = request.headers['user-agent'];
  if (recorded === 'full') return agent ? agent.slice(0, MAX_USER_AGENT) : undefined;
  return describeUserAgent(agent);
}

/**
 * The client's address: the `X-Forwarded-For` entry `trustProxy` trusts (see `trustedForwardedEntry`), else
 * the socket's peer.
 */
export function clientIpOf(request: IncomingMessage, trustProxy: boolean | number): string | undefined {
  const forwarded = trustedForwardedEntry(request, 'x-forwarded-for', trustProxy);
  if (forwarded) return forwarded.slice(0, 64);
  return request.socket?.remoteAddress;
}
