import type { IncomingMessage, OutgoingHttpHeader } from 'node:http';
import { SessionEvents } from '../src/events/session-events.js';
import type { RedisSessionModuleOptions } from '../src/options/redis-session-options.interface.js';
import { resolveSessionOptions } from '../src/options/resolve-session-options.js';
import { SessionContext } from '../src/session/session-context.js';
import { CookieSigner } from '../src/session/session-id.js';
import type { SessionRuntime } from '../src/session/session-runtime.js';
import { VerifiedCookies } from '../src/session/verified-cookies.js';
import { MemorySessionStore } from '../src/store/memory-session.store.js';

/**
 * What the unit specs of the session flows run on: the in-memory store, which has the Redis store's
 * semantics (test/store-contract.e2e-spec.ts checks both), and a clock the spec moves by hand. No Nest,
 * no HTTP server, no Redis.
 */
export interface MemoryRuntime {
  readonly runtime: SessionRuntime;
  readonly store: MemorySessionStore;
  readonly events: SessionEvents;
  /** Moves the clock forward. */
  advance(ms: number): void;
  /** A request's session context, carrying `cookie` (a `name=value` pair) if given. */
  contextFor(cookie?: string): { context: SessionContext; response: FakeResponse };
}

export const SPEC_SECRET = 'a-secret-of-at-least-thirty-two-characters';

/** A runtime over a fresh in-memory store, with options as the module would resolve them. */
export function memoryRuntime(options: Partial<RedisSessionModuleOptions> = {}): MemoryRuntime {
  let now = 1_900_000_000_000;
  const clock = (): number => now;
  const resolved = resolveSessionOptions({ store: 'memory', secrets: [SPEC_SECRET], ...options });
  const store = new MemorySessionStore(resolved, clock);
  const events = new SessionEvents();
  const signer = new CookieSigner(resolved.secrets);
  const runtime: SessionRuntime = {
    options: resolved,
    store,
    signer,
    cookies: new VerifiedCookies(signer),
    events,
    clock,
  };
  return {
    runtime,
    store,
    events,
    advance: (ms) => {
      now += ms;
    },
    contextFor: (cookie) => {
      const response = new FakeResponse();
      const request = { headers: cookie === undefined ? {} : { cookie }, socket: {} } as IncomingMessage;
      return { context: new SessionContext(runtime, request, response), response };
    },
  };
}

/** The parts of a Node response the library writes to: headers, and whether they were sent. */
export class FakeResponse {
  readonly headersSent = false;
  private readonly headers = new Map<string, OutgoingHttpHeader>();

  getHeader(name: string): OutgoingHttpHeader | undefined {
    return this.headers.get(name);
  }

  setHeader(name: string, value: OutgoingHttpHeader): void {
    this.headers.set(name, value);
  }

  /** The `Set-Cookie` headers written. */
  get setCookies(): string[] {
    const value = this.headers.get('set-cookie');
    return value === undefined ? [] : Array.isArray(value) ? value : [String(value)];
  }

  /** `name=value` of the cookie set (not cleared), ready for a `Cookie` header; `undefined` if none. */
  get cookie(): string | undefined {
    const set = this.setCookies.find((header) => !/Max-Age=0/.test(header));
    return set?.split(';')[0];
  }

  /** Whether the response clears the cookie. */
  get clears(): boolean {
    return this.setCookies.some((header) => /Max-Age=0/.test(header));
  }
}
