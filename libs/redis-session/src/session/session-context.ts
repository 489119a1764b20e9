import type { IncomingMessage } from 'node:http';
import { SessionMovedException } from '../errors/session-moved.exception.js';
import { SessionUnauthorizedException } from '../errors/session-unauthorized.exception.js';
import type { SessionRejection } from '../events/session-event.interface.js';
import type { SessionDevice } from '../store/session-record.js';
import { clientIpOf, userAgentOf } from '../transport/client-address.js';
import { SessionCookie } from './session-cookie.js';
import { endSession } from './session-ending.js';
import { SessionHandle } from './session-handle.js';
import { expiresAtOf } from './session-liveness.js';
import { loadSession, rejected } from './session-loader.js';
import { enforceLimitBeforeLogin, rotateSession, SESSION_ENDED } from './session-rotation.js';
import type { SessionRuntime } from './session-runtime.js';
import { saveSession } from './session-saver.js';
import { freshState, isStored, withNewId, type SessionState } from './session-state.js';
import type { LoginOptions } from './session.interface.js';
import { TrackedData } from './tracked-data.js';

/** Half of a UTF-16 surrogate pair on its own: Redis and SHA-256 see it as U+FFFD, so two such IDs would meet. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Everything one request knows about its session, and the one place its session API is answered: the
 * cookie (`SessionCookie`), the record's state (`SessionState`), the data (`TrackedData`), and why the cookie
 * gave no session. The work is done by the flows: `loadSession`, `saveSession`, `rotateSession`,
 * `endSession`. Created on first use by the guard, the interceptor or `@Session()`; loads at most once.
 */
export class SessionContext {
  private state: SessionState;
  private tracked = TrackedData.empty();
  private readonly cookie: SessionCookie;
  private loading: Promise<SessionHandle> | undefined;
  private handleValue: SessionHandle | undefined;
  /** Why the cookie the request carried did not give a session, if it did not. */
  rejection: SessionRejection | undefined;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly request: IncomingMessage,
    /** `undefined` over a WebSocket (or a GraphQL context without a response): the cookie cannot change. */
    response: object | undefined,
  ) {
    this.cookie = new SessionCookie(runtime, request, response);
    this.state = freshState(runtime.clock(), runtime.options.absoluteTimeout);
  }

  /** The loaded session, or `undefined` if nobody has loaded it yet. */
  get handle(): SessionHandle | undefined {
    return this.handleValue;
  }

  /** Loads the session once per request; later calls share the first one's result. */
  load(): Promise<SessionHandle> {
    this.loading ??= this.loadOnce();
    return this.loading;
  }

  private async loadOnce(): Promise<SessionHandle> {
    const reading = this.cookie.read();
    if (reading?.verified !== undefined) {
      const loaded = await loadSession(this.runtime, reading.verified);
      this.state = loaded.state;
      this.tracked = loaded.data;
      this.rejection = loaded.rejection;
    } else if (reading !== undefined) {
      this.rejection = rejected(this.runtime, reading.rejected, reading.publicId);
    }
    this.handleValue = new SessionHandle(this);
    return this.handleValue;
  }

  get publicId(): string {
    // A new session gets its ID when first asked; nothing is stored until it holds data.
    if (this.state.publicId === undefined) this.state = withNewId(this.state);
    return this.state.publicId!;
  }

  get data(): Record<string, unknown> {
    return this.tracked.view;
  }

  /** `session.data = {...}`: replaces every key (the old ones are removed at save). */
  replaceData(value: unknown): void {
    this.tracked.replace(value);
  }

  get isNew(): boolean {
    return !isStored(this.state);
  }

  get userId(): string | undefined {
    return this.state.userId;
  }

  get createdAt(): number {
    return this.state.createdAt;
  }

  get lastSeenAt(): number {
    return this.state.lastSeenAt;
  }

  get expiresAt(): number {
    return expiresAtOf(this.state, this.runtime.options);
  }

  get authenticatedAt(): number | undefined {
    return this.state.authenticatedAt;
  }

  /** See `SessionApi.login`. */
  async login(userId: string, data?: object, options: LoginOptions = {}): Promise<void> {
    if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256 || LONE_SURROGATE.test(userId)) {
      throw new TypeError(
        'login(userId): userId must be a non-empty string of at most 256 characters, with no lone surrogates',
      );
    }
    this.ensureCurrentHolder();
    if (data !== undefined) this.tracked.assign(data);
    const fields = this.tracked.encode();
    const previous = this.state.mode === 'own' ? this.state.publicId : undefined;
    await enforceLimitBeforeLogin(this.runtime, this.state, userId);
    // A login starts a new session: new ID, new absolute lifetime, new authentication time.
    await this.rotate({ fields, userId, device: this.deviceFacts(options) });
    this.runtime.events.emit({
      type: 'authenticated',
      publicId: this.state.publicId,
      userId,
      reason: undefined,
      previousPublicId: previous,
    });
  }

  /** See `SessionApi.regenerate`. */
  async regenerate(): Promise<void> {
    this.ensureCurrentHolder();
    if (this.state.mode === 'new') {
      // Nothing stored yet: forgetting the ID is enough; a new one is drawn when needed.
      this.state = { ...this.state, id: undefined, publicId: undefined };
      return;
    }
    const { publicId: previous, createdAt, deadline, userId, authenticatedAt, device } = this.state;
    // Data the handler never looked at is carried as stored, byte for byte.
    const fields = this.tracked.touched ? this.tracked.encode() : this.tracked.stored;
    await this.rotate({ fields, createdAt, deadline, userId, authenticatedAt, device });
    this.runtime.events.emit({
      type: 'regenerated',
      publicId: this.state.publicId,
      userId,
      reason: undefined,
      previousPublicId: previous,
    });
  }

  /** See `SessionApi.logout` / `SessionApi.destroy`. */
  async destroy(reason: 'logout' | 'destroy'): Promise<void> {
    if (this.state.mode === 'forwarded' || this.state.mode === 'moved') throw new SessionMovedException();
    try {
      await endSession(this.runtime, this.state, reason);
    } catch (error) {
      if (error instanceof SessionMovedException) this.state = { ...this.state, mode: 'moved' };
      throw error;
    }
    this.cookie.clear(this.rejection === 'ambiguous-cookie');
    this.state = freshState(this.runtime.clock(), this.runtime.options.absoluteTimeout);
    this.tracked = TrackedData.empty();
  }

  /** See `SessionApi.save`. */
  async save(): Promise<void> {
    await this.commit();
    this.writeCookie();
  }

  /** Writes what the handler changed (see `saveSession`). */
  async commit(): Promise<void> {
    this.state = await saveSession(this.runtime, this.state, this.tracked, this.cookie);
  }

  /** Sets or clears the cookie on the response, if this request changed it. */
  writeCookie(): void {
    this.cookie.write();
  }

  /**
   * Only the holder of the session's current ID may rotate or end it (login, regenerate, logout,
   * destroy): a request that came with an ID a rotation retired, or that found at save that its session
   * moved, gets `SessionMovedException` (409); one whose session was signed out meanwhile gets 401.
   */
  private ensureCurrentHolder(): void {
    if (this.state.mode === 'forwarded' || this.state.mode === 'moved') throw new SessionMovedException();
    if (this.state.mode === 'ended') throw new SessionUnauthorizedException(SESSION_ENDED);
  }

  /** Runs a rotation; when it is refused, this request no longer holds a session it may use. */
  private async rotate(next: Parameters<typeof rotateSession>[3]): Promise<void> {
    try {
      this.state = await rotateSession(this.runtime, this.state, this.tracked, next, this.cookie);
    } catch (error) {
      if (error instanceof SessionMovedException) this.state = { ...this.state, mode: 'moved' };
      if (error instanceof SessionUnauthorizedException) this.state = { ...this.state, mode: 'ended' };
      throw error;
    }
  }

  /** What the app chose to record about the device at login. */
  private deviceFacts(options: LoginOptions): SessionDevice {
    const { device, trustProxy } = this.runtime.options;
    return {
      ...(device.userAgent ? { userAgent: userAgentOf(this.request, device.userAgent) } : {}),
      ...(device.ip ? { ip: clientIpOf(this.request, trustProxy) } : {}),
      ...(options.metadata ? { metadata: { ...options.metadata } } : {}),
    };
  }
}
