import { Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { SessionRejectionReason } from '../events/session-event.interface.js';
import { readCookieValues } from '../transport/cookie-header.js';
import { appendSetCookie, headersSent, isSecureRequest } from '../transport/http-adapter.js';
import { serializeSetCookie } from '../transport/set-cookie.js';
import { isWellFormedId, publicIdOf } from './session-id.js';
import type { SessionRuntime } from './session-runtime.js';
import type { VerifiedCookie } from './verified-cookies.js';

const logger = new Logger('RedisSession');

/** What the request's cookie says: a session it names, why it names none, or nothing (no cookie of ours). */
export type CookieReading =
  | { readonly verified: VerifiedCookie; readonly rejected?: undefined }
  | { readonly verified?: undefined; readonly rejected: SessionRejectionReason; readonly publicId?: string }
  | undefined;

/** What the response must do with the cookie: set a new ID (until `deadline`), or clear it. */
type Pending = { readonly kind: 'set'; readonly id: string; readonly deadline: number } | { readonly kind: 'clear' };

/**
 * The session cookie of one request: which name it goes by, what the request sent (read and verified
 * without any I/O), and what the response sets or clears. The cookie changes only with the ID (creation,
 * login, regenerate, logout), never on activity: a request that loaded the session before a concurrent
 * login would otherwise send back the old ID and sign the browser out.
 */
export class SessionCookie {
  /** Whether the request came over TLS (or a trusted proxy said so). */
  readonly secure: boolean;
  /** The cookie name this request uses (`__Host-` on secure requests by default). */
  readonly name: string;
  private pending: Pending | undefined;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly request: IncomingMessage,
    /** `undefined` over a WebSocket (or a GraphQL context without a response): the cookie cannot change. */
    private readonly response: object | undefined,
  ) {
    const { cookie, trustProxy } = runtime.options;
    this.secure = cookie.secure === 'auto' ? isSecureRequest(request, trustProxy) : cookie.secure;
    this.name = this.secure ? cookie.secureName : cookie.plainName;
  }

  /**
   * The one ID the cookie carries, checked without any I/O: shape and signature (S5, S6, S7). Several
   * copies of our cookie (one planted by a sibling subdomain, say) count only if exactly one verifies.
   */
  read(): CookieReading {
    const values = readCookieValues(this.request.headers.cookie, this.name);
    if (values.length === 0) return undefined;
    const verified = this.runtime.cookies.single(values);
    if (verified === 'ambiguous') return { rejected: 'ambiguous-cookie' };
    if (verified !== undefined) return { verified };
    // Name the claimed session if the value has the shape of ours: apps can alert on ID guessing.
    const claimed = values.map((value) => value.slice(0, value.indexOf('.'))).find(isWellFormedId);
    return claimed ? { rejected: 'bad-signature', publicId: publicIdOf(claimed) } : { rejected: 'malformed-cookie' };
  }

  /** The response will carry the cookie for a new ID (creation, login, regenerate). */
  issue(id: string, deadline: number): void {
    this.pending = { kind: 'set', id, deadline };
  }

  /**
   * The response will clear the cookie, if the browser has one to clear. Never when it sent two valid
   * copies: clearing deletes the host-only one and leaves the other, possibly tossed by a sibling
   * subdomain, to sign the browser in as someone else.
   */
  clear(ambiguous: boolean): void {
    const present = this.request.headers.cookie?.includes(this.name) === true || this.pending?.kind === 'set';
    this.pending = present && !ambiguous ? { kind: 'clear' } : undefined;
  }

  /** Sets or clears the cookie on the response, if this request changed it. */
  write(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    if (this.response === undefined) {
      // A socket message (or a GraphQL context without `res`/`reply`): the store changed, the browser's cookie
      // cannot. Losing a new ID matters (a login or new session nobody can reach); a clear does not.
      if (pending.kind === 'set') {
        logger.warn(
          'the session cookie could not be set: this request has no HTTP response (a WebSocket message, or a ' +
            'GraphQL context without res/reply). Sign in over HTTP.',
        );
      }
      this.pending = undefined;
      return;
    }
    if (headersSent(this.response)) {
      logger.warn(
        'the response was sent before the session cookie could be set; call `await session.save()` before writing the response yourself',
      );
      return;
    }
    const { cookie } = this.runtime.options;
    const directive =
      pending.kind === 'clear'
        ? pending
        : {
            kind: 'set' as const,
            value: this.runtime.signer.sign(pending.id),
            // A persistent cookie never outlives the session's absolute deadline (S13).
            maxAgeMs:
              cookie.maxAge === undefined
                ? undefined
                : Math.min(cookie.maxAge, pending.deadline - this.runtime.clock()),
          };
    appendSetCookie(this.response, serializeSetCookie(this.name, directive, cookie, this.secure));
    this.pending = undefined;
  }
}
