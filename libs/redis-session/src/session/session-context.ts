import { Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { messageOf } from '../errors/error-message.js';
import type { SessionEvents } from '../events/session-events.js';
import type { SessionRejection, SessionRejectionReason } from '../events/session-event.interface.js';
import { TooManySessionsException } from '../errors/too-many-sessions.exception.js';
import { clientIpOf, userAgentOf } from '../http/client-address.js';
import { SessionStoreUnavailableException } from '../errors/session-store-unavailable.exception.js';
import { SessionTooLargeException } from '../errors/session-too-large.exception.js';
import { appendSetCookie, headersSent, isSecureRequest } from '../http/http-adapter.js';
import { readCookieValues } from '../http/cookie-header.js';
import { serializeSetCookie, type CookieDirective } from '../http/set-cookie.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { NewSessionRecord, SessionDevice, SessionRecord } from '../store/session-record.js';
import type { SessionRepository } from '../store/session.repository.js';
import { decodeValue, encodeValue } from './session-data.codec.js';
import { SessionHandle } from './session-handle.js';
import { generateSessionId, isWellFormedId, publicIdOf, type CookieSigner } from './session-id.js';
import type { VerifiedCookie, VerifiedCookies } from './verified-cookies.js';

/** What every request's context needs from the module, built once at bootstrap. */
export interface SessionRuntime {
  readonly options: ResolvedSessionOptions;
  readonly repository: SessionRepository;
  readonly signer: CookieSigner;
  /** Cookie values that verified, remembered (see `VerifiedCookies`). */
  readonly cookies: VerifiedCookies;
  readonly events: SessionEvents;
  /** See `REDIS_SESSION_CLOCK`. */
  readonly clock: () => number;
}

/** Options of `login()`. */
export interface LoginOptions {
  /** Labels for the device list (`listForUser`), such as `{ device: 'laptop' }`. Strings only, 1 KiB at most. */
  metadata?: Record<string, string>;
}

const logger = new Logger('RedisSession');

/**
 * Everything one request knows about its session: the identity from the cookie, the record as loaded,
 * the data the handler sees, and what the response must do with the cookie. Created on first use by the
 * guard, the interceptor or `@Session()`; loads at most once.
 */
export class SessionContext {
  /** The raw ID. Only ever in the cookie; never logged, never in the store. */
  private id: string | undefined;
  private publicIdValue: string | undefined;
  /** A record exists in the store under `publicIdValue` (as far as this request knows). */
  private stored = false;
  /** A save found the record gone (logout or revoke elsewhere): this request must not recreate it. */
  private gone = false;
  private createdAtValue = 0;
  private lastSeenAtValue = 0;
  private deadline = 0;
  private userIdValue: string | undefined;
  private authenticatedAtValue: number | undefined;
  private device: SessionDevice = {};
  /** JSON of every data key as last loaded or written: the baseline for "what changed". */
  private baseline: ReadonlyMap<string, string> = new Map<string, string>();
  private dataValue: Record<string, unknown> = {};
  /** The handler has seen `data`; until then nothing can have changed and a save costs nothing. */
  private dataExposed = false;
  private cookieDirective: CookieDirective | undefined;
  private loading: Promise<SessionHandle> | undefined;
  private handleValue: SessionHandle | undefined;
  /**
   * Set when the cookie named a session that moved to a new ID moments ago (login, regenerate) and this
   * request was forwarded to it: `'as-owner'` when the old session already belonged to the same user,
   * `'as-guest'` otherwise (data only, not signed in). Forwarded requests never touch the cookie.
   */
  private forwarded: 'as-owner' | 'as-guest' | undefined;
  /** Why the cookie the request carried did not give a session, if it did not. */
  rejection: SessionRejection | undefined;
  /** Whether the request came over TLS (or a trusted proxy said so). */
  readonly secure: boolean;
  /** The cookie name this request uses (`__Host-` on secure requests by default). */
  readonly cookieName: string;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly request: IncomingMessage,
    /** `undefined` over a WebSocket (or a GraphQL context without a response): the cookie cannot change. */
    private readonly response: object | undefined,
  ) {
    const { cookie, trustProxy } = runtime.options;
    this.secure = cookie.secure === 'auto' ? isSecureRequest(request, trustProxy) : cookie.secure;
    this.cookieName = this.secure ? cookie.secureName : cookie.plainName;
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
    const cookie = this.idFromCookie();
    if (cookie === undefined || !(await this.loadStored(cookie))) this.startFresh();
    return this.createHandle();
  }

  /**
   * Loads the session the cookie names, following a rotation tombstone once (see `rotationGracePeriod`).
   * Resolves whether it found a usable session; records why not otherwise.
   */
  private async loadStored({ id, publicId }: VerifiedCookie): Promise<boolean> {
    const { repository } = this.runtime;
    let result = await this.store(() => repository.load(publicId));
    const forward = result.forward;
    if (forward !== undefined) {
      result = await this.store(() => repository.load(forward.to));
      // A tombstone is followed once: a chain of them is no session.
      if (result.forward !== undefined) result = { missing: 'unknown' };
    }
    const loadedId = forward?.to ?? publicId;
    if (result.record) {
      const { record } = result;
      // A forwarded request has no raw ID for the new session: it can never set that session's cookie.
      if (!this.adopt(forward ? undefined : id, loadedId, record)) {
        this.reject('malformed-record', loadedId);
        return false;
      }
      if (record.touched && record.userId !== undefined && !(await this.stillIndexed())) {
        this.reject('not-indexed', loadedId, record.userId);
        await this.store(() => repository.delete(loadedId));
        return false;
      }
      if (forward !== undefined) {
        this.forwarded = forward.formerUserId === record.userId ? 'as-owner' : 'as-guest';
        // A login is never extended to an old ID: it only carries over when the old session was already
        // this user's (a regenerate, or signing in again).
        if (this.forwarded === 'as-guest') {
          this.userIdValue = undefined;
          this.authenticatedAtValue = undefined;
        }
      }
      return true;
    }
    if (result.missing === 'expired') {
      this.rejection = 'expired';
      this.runtime.events.emit({
        type: 'expired',
        publicId: loadedId,
        userId: undefined,
        reason: result.expiredBy ?? 'idle',
      });
    } else {
      this.reject(result.missing === 'malformed' ? 'malformed-record' : 'unknown', loadedId);
    }
    return false;
  }

  /**
   * Whether the signed-in session is still in its user's index. Asked only when the store refreshed the
   * idle timer (every `touchAfter`), so it costs one command per touch, not per request. A session missing
   * from the index (the index was evicted, or a crash came between two steps) is refused: "sign out
   * everywhere" can only miss what the index misses, so a failing index must fail closed.
   */
  private async stillIndexed(): Promise<boolean> {
    const userId = this.userIdValue!;
    const publicId = this.publicIdValue!;
    return this.store(() => this.runtime.repository.indexHas(userId, publicId));
  }

  private reject(reason: SessionRejectionReason, publicId: string | undefined, userId?: string): void {
    this.rejection = reason;
    this.runtime.events.emit({ type: 'rejected', publicId, userId, reason });
  }

  private createHandle(): SessionHandle {
    this.handleValue = new SessionHandle(this);
    return this.handleValue;
  }

  /**
   * The one ID the cookie carries, checked without any I/O: shape and signature (S5, S6, S7). Several
   * copies of our cookie (one planted by a sibling subdomain, say) count only if exactly one verifies.
   */
  private idFromCookie(): VerifiedCookie | undefined {
    const values = readCookieValues(this.request.headers.cookie, this.cookieName);
    if (values.length === 0) return undefined;
    const verified = this.runtime.cookies.single(values);
    if (verified !== undefined && verified !== 'ambiguous') return verified;
    if (verified === 'ambiguous') {
      this.reject('ambiguous-cookie', undefined);
    } else {
      // Name the claimed session if the value has the shape of ours: apps can alert on ID guessing.
      const claimed = values.map((value) => value.slice(0, value.indexOf('.'))).find(isWellFormedId);
      this.reject(claimed ? 'bad-signature' : 'malformed-cookie', claimed ? publicIdOf(claimed) : undefined);
    }
    return undefined;
  }

  /** Takes a loaded record as this request's session; `false` when its data does not parse (S25, S31). */
  private adopt(id: string | undefined, publicId: string, record: SessionRecord): boolean {
    const data: Record<string, unknown> = {};
    for (const [key, json] of record.fields) {
      const decoded = decodeValue(json);
      if (!decoded || key === '__proto__') return false;
      data[key] = decoded.value;
    }
    this.id = id;
    this.publicIdValue = publicId;
    this.stored = true;
    this.createdAtValue = record.createdAt;
    this.lastSeenAtValue = record.lastSeenAt;
    this.deadline = record.deadline;
    this.userIdValue = record.userId;
    this.authenticatedAtValue = record.authenticatedAt;
    this.device = record.device;
    // The record's map is this load's own: kept as it is, never changed in place (a new map replaces it).
    this.baseline = record.fields;
    this.dataValue = data;
    // The cookie is set only when the ID changes, never re-sent on activity: a request that loaded the
    // session before a concurrent login would otherwise send back the old ID and sign the browser out.
    return true;
  }

  /** Becomes a new, empty, anonymous session that exists nowhere until it holds data. */
  private startFresh(): void {
    const now = this.runtime.clock();
    this.id = undefined;
    this.publicIdValue = undefined;
    this.stored = false;
    this.createdAtValue = now;
    this.lastSeenAtValue = now;
    this.deadline = now + this.runtime.options.absoluteTimeout;
    this.userIdValue = undefined;
    this.authenticatedAtValue = undefined;
    this.device = {};
    this.baseline = new Map();
    this.dataValue = {};
  }

  get publicId(): string {
    if (this.publicIdValue === undefined) {
      // A new session gets its ID when first asked; nothing is stored until it holds data.
      this.id = generateSessionId();
      this.publicIdValue = publicIdOf(this.id);
    }
    return this.publicIdValue;
  }

  get data(): Record<string, unknown> {
    this.dataExposed = true;
    return this.dataValue;
  }

  /** `session.data = {...}`: replaces every key (the old ones are removed at save). */
  replaceData(value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeError('session.data must be a plain object');
    }
    this.dataExposed = true;
    this.dataValue = { ...(value as Record<string, unknown>) };
  }

  get isNew(): boolean {
    return !this.stored;
  }

  get userId(): string | undefined {
    return this.userIdValue;
  }

  get createdAt(): number {
    return this.createdAtValue;
  }

  get lastSeenAt(): number {
    return this.lastSeenAtValue;
  }

  get expiresAt(): number {
    return Math.min(this.lastSeenAtValue + this.runtime.options.idleTimeout, this.deadline);
  }

  get authenticatedAt(): number | undefined {
    return this.authenticatedAtValue;
  }

  /** See `SessionApi.login`. */
  async login(userId: string, data?: object, options: LoginOptions = {}): Promise<void> {
    if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) {
      throw new TypeError('login(userId): userId must be a non-empty string of at most 256 characters');
    }
    this.detachGuest();
    const target = this.data;
    if (data !== undefined) {
      for (const key of Object.keys(data)) {
        if (key !== '__proto__') target[key] = (data as Record<string, unknown>)[key];
      }
    }
    const fields = this.encodeAll();
    const { maxSessionsPerUser } = this.runtime.options;
    // Members whose records are gone must not count against the limit (or be chosen for eviction).
    if (maxSessionsPerUser > 0) await this.store(() => this.runtime.repository.liveSessions(userId));
    // A login starts a new session: new ID, new absolute lifetime, new authentication time.
    const previous = this.stored ? this.publicIdValue : undefined;
    await this.rotate({ fields, userId, device: this.deviceFacts(options) });
    this.runtime.events.emit({
      type: 'authenticated',
      publicId: this.publicIdValue,
      userId,
      reason: undefined,
      previousPublicId: previous,
    });
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

  /**
   * A request forwarded as a guest (its old ID now leads to someone's new login) must not act on that
   * login: a `login()` or `regenerate()` from it starts from a new, empty session instead of retiring the
   * session it was forwarded to or carrying its data away.
   */
  private detachGuest(): void {
    if (this.forwarded !== 'as-guest') return;
    this.forwarded = undefined;
    this.startFresh();
  }

  /** See `SessionApi.regenerate`. */
  async regenerate(): Promise<void> {
    this.detachGuest();
    if (!this.stored) {
      // Nothing stored yet: forgetting the ID is enough; a new one is drawn when needed.
      this.id = undefined;
      this.publicIdValue = undefined;
      return;
    }
    const previous = this.publicIdValue;
    await this.rotate({
      fields: this.encodeAll(),
      createdAt: this.createdAtValue,
      deadline: this.deadline,
      userId: this.userIdValue,
      authenticatedAt: this.authenticatedAt,
      device: this.device,
    });
    this.runtime.events.emit({
      type: 'regenerated',
      publicId: this.publicIdValue,
      userId: this.userIdValue,
      reason: undefined,
      previousPublicId: previous,
    });
  }

  /** See `SessionApi.logout` / `SessionApi.destroy`. */
  async destroy(reason: 'logout' | 'destroy'): Promise<void> {
    const publicId = this.publicIdValue;
    const userId = this.userIdValue;
    if (this.forwarded !== undefined) {
      const asGuest = this.forwarded === 'as-guest';
      this.forwarded = undefined;
      if (asGuest) {
        // The session is someone's new login, not this request's to end; the browser's cookie is left alone.
        this.startFresh();
        this.dataExposed = false;
        return;
      }
    }
    if (this.stored && publicId !== undefined) {
      const { repository } = this.runtime;
      await this.store(() =>
        Promise.all([
          repository.delete(publicId),
          userId === undefined ? undefined : repository.indexRemove(userId, [publicId]),
        ]),
      );
      logger.debug(`session ${publicId} ended (${reason})`);
      this.runtime.events.emit({ type: 'destroyed', publicId, userId, reason });
    }
    const hadCookie =
      this.request.headers.cookie?.includes(this.cookieName) === true || this.cookieDirective?.kind === 'set';
    this.startFresh();
    this.dataExposed = false;
    this.cookieDirective = hadCookie ? { kind: 'clear' } : undefined;
  }

  /** See `SessionApi.save`. */
  async save(): Promise<void> {
    await this.commit();
    this.writeCookie();
  }

  /**
   * Writes what the handler changed: only the top-level keys whose JSON differs from the baseline, and
   * removals. A new session is created only once it holds data. Nothing is sent when nothing changed.
   */
  async commit(): Promise<void> {
    if (!this.dataExposed || this.gone) return;
    if (!this.stored) {
      if (Object.keys(this.dataValue).length === 0) return;
      await this.createWith(this.encodeAll());
      return;
    }
    const set = new Map<string, string>();
    const remove: string[] = [];
    const current = new Map<string, string>();
    for (const key of this.dataKeys()) {
      const json = encodeValue(key, this.dataValue[key]);
      if (json === undefined) continue;
      current.set(key, json);
      if (this.baseline.get(key) !== json) set.set(key, json);
    }
    for (const key of this.baseline.keys()) if (!current.has(key)) remove.push(key);
    if (set.size === 0 && remove.length === 0) return;
    this.checkSize(current);
    const publicId = this.publicId;
    const { repository } = this.runtime;
    let result = await this.store(() => repository.update(publicId, { set, remove }));
    const forwardTo = result.written ? undefined : result.forwardTo;
    if (forwardTo !== undefined) {
      // The session moved to a new ID (a login or regenerate) after this request loaded it: its changes
      // belong there. The cookie stays as it is; the response of the rotating request carries the new one.
      result = await this.store(() => repository.update(forwardTo, { set, remove }));
      if (result.written) {
        this.publicIdValue = forwardTo;
        // From here this request only adds to the new session; it cannot end it or hand out its cookie.
        this.forwarded = 'as-guest';
      }
    }
    if (!result.written) {
      // Logged out, revoked or expired while this request ran: never bring it back (S23).
      this.gone = true;
      this.stored = false;
      logger.debug(`session ${publicId} was gone at save; changes dropped`);
      return;
    }
    this.baseline = current;
    this.lastSeenAtValue = this.runtime.clock();
  }

  /** Sets or clears the cookie on the response, if this request changed it. */
  writeCookie(): void {
    const directive = this.cookieDirective;
    if (directive === undefined) return;
    if (this.response === undefined) {
      // A socket message (or a GraphQL context without `res`/`reply`): the store changed, the browser's cookie
      // cannot. Losing a new ID matters (a login or new session nobody can reach); a clear does not.
      if (directive.kind === 'set') {
        logger.warn(
          'the session cookie could not be set: this request has no HTTP response (a WebSocket message, or a ' +
            'GraphQL context without res/reply). Sign in over HTTP.',
        );
      }
      this.cookieDirective = undefined;
      return;
    }
    if (headersSent(this.response)) {
      logger.warn(
        'the response was sent before the session cookie could be set; call `await session.save()` before writing the response yourself',
      );
      return;
    }
    const { cookie } = this.runtime.options;
    const resolved: CookieDirective =
      directive.kind === 'set' && cookie.maxAge !== undefined
        ? { ...directive, maxAgeMs: Math.min(cookie.maxAge, this.deadline - this.runtime.clock()) }
        : directive;
    appendSetCookie(this.response, serializeSetCookie(this.cookieName, resolved, cookie, this.secure));
    this.cookieDirective = undefined;
  }

  /**
   * The data keys to store. An own `__proto__` key (from `session.data = JSON.parse(input)`, or a spread of
   * such an object) is left out: a record holding one is refused on load, which would sign the user out.
   */
  private dataKeys(): string[] {
    const keys = Object.keys(this.dataValue);
    return keys.includes('__proto__') ? keys.filter((key) => key !== '__proto__') : keys;
  }

  /** Every data key as JSON, checked against the size limit. */
  private encodeAll(): Map<string, string> {
    const fields = new Map<string, string>();
    for (const key of this.dataKeys()) {
      const json = encodeValue(key, this.dataValue[key]);
      if (json !== undefined) fields.set(key, json);
    }
    this.checkSize(fields);
    return fields;
  }

  private checkSize(fields: ReadonlyMap<string, string>): void {
    let size = 0;
    for (const [key, json] of fields) size += Buffer.byteLength(key) + Buffer.byteLength(json);
    if (size > this.runtime.options.maxSessionBytes) {
      throw new SessionTooLargeException(size, this.runtime.options.maxSessionBytes);
    }
  }

  /** Stores this request's new session under a fresh ID (never overwriting a record, S24). */
  private async createWith(fields: Map<string, string>): Promise<void> {
    const publicId = this.publicId;
    const times = await this.store(() => this.runtime.repository.create(publicId, { fields }));
    if (times === undefined) throw new SessionStoreUnavailableException(new Error('session ID collision'));
    this.stored = true;
    this.createdAtValue = times.createdAt;
    this.lastSeenAtValue = times.lastSeenAt;
    this.deadline = times.deadline;
    this.baseline = fields;
    this.cookieDirective = { kind: 'set', value: this.runtime.signer.sign(this.id!), maxAgeMs: undefined };
    this.runtime.events.emit({ type: 'created', publicId, userId: undefined, reason: undefined });
  }

  /**
   * Moves the session to a new ID. Order matters, and every step touches one key (one cluster slot):
   * 1. the new record is written ("must not exist");
   * 2. a signed-in session is added to its user's index, where the per-user limit is enforced atomically
   *    (refused: the new record is deleted and the old session stays as it was);
   * 3. sessions the limit evicted are deleted;
   * 4. the old record is deleted and dropped from its user's index.
   * A failure at any step leaves no signed-in session that the index does not know (S17, S26).
   */
  private async rotate(next: NewSessionRecord): Promise<void> {
    const { repository, options } = this.runtime;
    const previous = this.stored ? this.publicIdValue : undefined;
    const previousUser = this.userIdValue;
    const id = generateSessionId();
    const publicId = publicIdOf(id);
    const times = await this.store(() => repository.create(publicId, next));
    if (times === undefined) throw new SessionStoreUnavailableException(new Error('session ID collision'));
    if (next.userId !== undefined)
      await this.index(next.userId, publicId, times.deadline, previousUser === next.userId ? previous : undefined);
    let carried: ReadonlyMap<string, string | undefined> = new Map();
    if (previous !== undefined) {
      const dropFromIndex = previousUser !== undefined && previousUser !== next.userId;
      const [last] = await this.store(() =>
        Promise.all([
          repository.retire(previous, publicId, options.rotationGracePeriod),
          dropFromIndex ? repository.indexRemove(previousUser, [previous]) : undefined,
        ]),
      );
      if (last !== undefined) carried = await this.carryOver(publicId, last, next.fields);
    }
    this.id = id;
    this.publicIdValue = publicId;
    this.stored = true;
    this.gone = false;
    this.createdAtValue = times.createdAt;
    this.lastSeenAtValue = times.lastSeenAt;
    this.deadline = times.deadline;
    this.userIdValue = next.userId;
    this.authenticatedAtValue = times.authenticatedAt;
    this.device = next.device ?? {};
    const baseline = new Map(next.fields);
    for (const [key, json] of carried) {
      if (json === undefined) baseline.delete(key);
      else baseline.set(key, json);
    }
    this.baseline = baseline;
    this.cookieDirective = { kind: 'set', value: this.runtime.signer.sign(id), maxAgeMs: undefined };
  }

  /**
   * Requests that loaded the old record before this one moved it may have written to it meanwhile; their
   * changes were not in the copy this request took. Applies to the new record every key whose last value
   * in the old one differs from what this request loaded, unless this request changed that key itself
   * (its own value wins). Costs a round trip only when something differs. Resolves the keys carried over
   * (`undefined`: removed), and updates the handler's view of the data to match.
   */
  private async carryOver(
    publicId: string,
    last: ReadonlyMap<string, string>,
    written: ReadonlyMap<string, string>,
  ): Promise<ReadonlyMap<string, string | undefined>> {
    const loaded = this.baseline;
    const set = new Map<string, string>();
    const remove: string[] = [];
    const ownChange = (key: string): boolean => written.get(key) !== loaded.get(key);
    for (const [key, json] of last) if (json !== loaded.get(key) && !ownChange(key)) set.set(key, json);
    for (const key of loaded.keys()) if (!last.has(key) && !ownChange(key)) remove.push(key);
    const carried = new Map<string, string | undefined>();
    if (set.size === 0 && remove.length === 0) return carried;
    await this.store(() => this.runtime.repository.update(publicId, { set, remove }));
    // The handler's view follows, so a save after this does not undo the carried-over keys.
    for (const [key, json] of set) {
      const decoded = decodeValue(json);
      if (decoded === undefined || key === '__proto__') continue;
      this.dataValue[key] = decoded.value;
      carried.set(key, json);
    }
    for (const key of remove) {
      delete this.dataValue[key];
      carried.set(key, undefined);
    }
    return carried;
  }

  /** Steps 2 and 3 of `rotate`: index the new session under the per-user limit. */
  private async index(userId: string, publicId: string, deadline: number, replaces: string | undefined): Promise<void> {
    const { repository, options } = this.runtime;
    const indexed = await this.store(() =>
      repository.indexAdd(userId, publicId, deadline, {
        limit: options.maxSessionsPerUser,
        policy: options.onSessionLimit,
        replaces,
      }),
    );
    if (!indexed.added) {
      await this.store(() => repository.delete(publicId));
      throw new TooManySessionsException(options.maxSessionsPerUser);
    }
    if (indexed.evicted.length === 0) return;
    await this.store(() => Promise.all(indexed.evicted.map((member) => repository.deleteOwned(member, userId))));
    for (const member of indexed.evicted) {
      this.runtime.events.emit({ type: 'evicted', publicId: member, userId, reason: 'session-limit' });
    }
  }

  /** Runs a store call; any failure or timeout becomes a 503 that leaves the cookie alone (S30). */
  private async store<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      logger.warn(`session store unavailable: ${messageOf(error)}`);
      throw new SessionStoreUnavailableException(error);
    }
  }
}
