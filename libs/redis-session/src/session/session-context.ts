import { Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { messageOf } from '../errors/error-message.js';
import type { SessionEvents } from '../events/session-events.js';
import type { SessionRejection, SessionRejectionReason } from '../events/session-event.interface.js';
import { TooManySessionsException } from '../errors/too-many-sessions.exception.js';
import { clientIpOf, userAgentOf } from '../http/client-address.js';
import { SessionMovedException } from '../errors/session-moved.exception.js';
import { SessionStoreUnavailableException } from '../errors/session-store-unavailable.exception.js';
import { SessionTooLargeException } from '../errors/session-too-large.exception.js';
import { SessionUnauthorizedException } from '../errors/session-unauthorized.exception.js';
import { appendSetCookie, headersSent, isSecureRequest } from '../http/http-adapter.js';
import { readCookieValues } from '../http/cookie-header.js';
import { serializeSetCookie, type CookieDirective } from '../http/set-cookie.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { dataBytesOf } from '../store/record-fields.js';
import {
  forwardKeepsOwner,
  type NewSessionRecord,
  type SessionDevice,
  type SessionRecord,
  type UpdateResult,
} from '../store/session-record.js';
import type { SessionRepository } from '../store/session.repository.js';
import { mergeConcurrentChanges } from './concurrent-changes.js';
import { decodeValue, encodeValue } from './session-data.codec.js';
import { expiresAtOf } from './session-liveness.js';
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

/** What a request whose session was signed out while it ran gets from a login or regenerate (401). */
const SESSION_ENDED = 'Your session ended while this request ran; please sign in again';

/**
 * What a request's session is to the store:
 * - `'new'`: nothing stored under this request's ID yet; the first save with data creates it.
 * - `'own'`: the record the request's cookie names.
 * - `'forwarded'`: the cookie named a session that a rotation (regenerate, or the same user signing in
 *   again) moved to a new ID moments ago; the request reads and writes the new record, signed in as
 *   before, but never rotates or ends it and never touches the cookie.
 * - `'moved'`: the cookie named a session that moved into someone's login (from an anonymous session or
 *   another user's), or a save found it so: the request sees an empty session, and nothing it does is
 *   stored; it never touches the cookie.
 * - `'ended'`: a save found the record gone (logged out, revoked or expired elsewhere): nothing more is
 *   stored, a rotation fails closed.
 */
type SessionMode = 'new' | 'own' | 'forwarded' | 'moved' | 'ended';

/**
 * Everything one request knows about its session: the identity from the cookie, the record as loaded,
 * the data the handler sees, and what the response must do with the cookie. Created on first use by the
 * guard, the interceptor or `@Session()`; loads at most once.
 */
export class SessionContext {
  /** The raw ID. Only ever in the cookie; never logged, never in the store. */
  private id: string | undefined;
  private publicIdValue: string | undefined;
  /** What this request's session is to the store (see `SessionMode`). */
  private mode: SessionMode = 'new';
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
    if (cookie !== undefined) await this.loadStored(cookie);
    if (this.mode === 'new') this.startFresh();
    return this.createHandle();
  }

  /**
   * Loads the session the cookie names, following a rotation tombstone once when the session stayed with
   * its owner (see `rotationGracePeriod`). Sets the mode; records why there is no session otherwise.
   */
  private async loadStored({ id, publicId }: VerifiedCookie): Promise<void> {
    const { repository } = this.runtime;
    let result = await this.store(() => repository.load(publicId));
    const forward = result.forward;
    if (forward !== undefined) {
      if (!forwardKeepsOwner(forward)) {
        // The old ID moved into someone's login: it may have been planted. Nothing of that login is read.
        this.startFresh();
        this.mode = 'moved';
        this.reject('rotated', publicId);
        return;
      }
      result = await this.store(() => repository.load(forward.to));
      // A tombstone is followed once: a chain of them is no session.
      if (result.forward !== undefined) result = { missing: 'unknown' };
    }
    const loadedId = forward?.to ?? publicId;
    if (result.record) {
      const { record } = result;
      // A forwarded request has no raw ID for the new session: it can never set that session's cookie.
      if (!this.takeRecord(forward ? undefined : id, loadedId, record)) {
        this.reject('malformed-record', loadedId);
        this.mode = 'new';
        return;
      }
      this.mode = forward ? 'forwarded' : 'own';
      if (record.touched && record.userId !== undefined && !(await this.stillIndexed())) {
        this.reject('not-indexed', loadedId, record.userId);
        await this.store(() => repository.delete(loadedId));
        this.mode = 'new';
      }
      return;
    }
    if (forward !== undefined) {
      // The new session is gone (or not written yet): an empty session that sets no cookie, so the
      // browser keeps whatever cookie the rotating request gave it.
      this.startFresh();
      this.mode = 'moved';
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
  private takeRecord(id: string | undefined, publicId: string, record: SessionRecord): boolean {
    const data: Record<string, unknown> = {};
    for (const [key, json] of record.fields) {
      const decoded = decodeValue(json);
      if (!decoded || key === '__proto__') return false;
      data[key] = decoded.value;
    }
    this.id = id;
    this.publicIdValue = publicId;
    this.setTimes(record);
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

  private setTimes(times: { createdAt: number; lastSeenAt: number; deadline: number }): void {
    this.createdAtValue = times.createdAt;
    this.lastSeenAtValue = times.lastSeenAt;
    this.deadline = times.deadline;
  }

  /** Becomes a new, empty, anonymous session that exists nowhere until it holds data. */
  private startFresh(): void {
    const now = this.runtime.clock();
    this.id = undefined;
    this.publicIdValue = undefined;
    this.mode = 'new';
    this.setTimes({ createdAt: now, lastSeenAt: now, deadline: now + this.runtime.options.absoluteTimeout });
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
    return this.mode !== 'own' && this.mode !== 'forwarded';
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
    return expiresAtOf(
      { lastSeenAt: this.lastSeenAtValue, deadline: this.deadline, userId: this.userIdValue },
      this.runtime.options,
    );
  }

  get authenticatedAt(): number | undefined {
    return this.authenticatedAtValue;
  }

  /**
   * Only the holder of the session's current ID may rotate or end it (login, regenerate, logout,
   * destroy): a request that came with an ID a rotation retired, or that found at save that its session
   * moved, gets `SessionMovedException` (409); one whose session was signed out meanwhile gets 401.
   */
  private ensureCurrentHolder(): void {
    if (this.mode === 'forwarded' || this.mode === 'moved') throw new SessionMovedException();
    if (this.mode === 'ended') throw new SessionUnauthorizedException(SESSION_ENDED);
  }

  /** See `SessionApi.login`. */
  async login(userId: string, data?: object, options: LoginOptions = {}): Promise<void> {
    if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) {
      throw new TypeError('login(userId): userId must be a non-empty string of at most 256 characters');
    }
    this.ensureCurrentHolder();
    const target = this.data;
    if (data !== undefined) {
      for (const key of Object.keys(data)) {
        if (key !== '__proto__') target[key] = (data as Record<string, unknown>)[key];
      }
    }
    const own = this.encodeAll();
    const previous = this.mode === 'own' ? this.publicIdValue : undefined;
    await this.enforceLimitBeforeLogin(userId);
    // A login starts a new session: new ID, new absolute lifetime, new authentication time.
    await this.rotate({ fields: own, userId, device: this.deviceFacts(options) });
    this.runtime.events.emit({
      type: 'authenticated',
      publicId: this.publicIdValue,
      userId,
      reason: undefined,
      previousPublicId: previous,
    });
  }

  /**
   * With `maxSessionsPerUser`: prunes the user's index of sessions that are gone (they must not count, or
   * be chosen for eviction), and under `onSessionLimit: 'reject'` refuses a login over the limit before
   * anything is written. (The limit itself is enforced atomically when the new session is indexed.)
   */
  private async enforceLimitBeforeLogin(userId: string): Promise<void> {
    const { maxSessionsPerUser, onSessionLimit } = this.runtime.options;
    if (maxSessionsPerUser === 0) return;
    const live = await this.store(() => this.runtime.repository.liveSessions(userId));
    const replacesOwn = this.mode === 'own' && this.userIdValue === userId;
    if (onSessionLimit === 'reject' && !replacesOwn && live.length >= maxSessionsPerUser) {
      throw new TooManySessionsException(maxSessionsPerUser);
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

  /** See `SessionApi.regenerate`. */
  async regenerate(): Promise<void> {
    this.ensureCurrentHolder();
    if (this.mode === 'new') {
      // Nothing stored yet: forgetting the ID is enough; a new one is drawn when needed.
      this.id = undefined;
      this.publicIdValue = undefined;
      return;
    }
    const previous = this.publicIdValue;
    await this.rotate({
      // Data the handler never looked at is carried as stored, byte for byte.
      fields: this.dataExposed ? this.encodeAll() : this.baseline,
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
    if (this.mode === 'forwarded' || this.mode === 'moved') throw new SessionMovedException();
    const publicId = this.publicIdValue;
    const userId = this.userIdValue;
    if (this.mode === 'own' && publicId !== undefined) {
      const { repository } = this.runtime;
      const ended = await this.store(() => repository.end(publicId));
      if (typeof ended === 'object') {
        // Another request rotated the session while this one ran: its new ID is not this request's to end.
        this.mode = 'moved';
        throw new SessionMovedException();
      }
      // Unindexed after the record is gone, never before: a rotation in flight then either found the
      // record gone, or finished and was ended above as the session it moved.
      if (userId !== undefined) await this.store(() => repository.indexRemove(userId, [publicId]));
      logger.debug(`session ${publicId} ended (${reason})`);
      if (ended === 'ended') this.runtime.events.emit({ type: 'destroyed', publicId, userId, reason });
    }
    // With two valid copies of our cookie, a clearing Set-Cookie would delete the host-only one and leave
    // the other, possibly tossed by a sibling subdomain, to sign the browser in as someone else: clear none.
    const hadCookie =
      this.rejection !== 'ambiguous-cookie' &&
      (this.request.headers.cookie?.includes(this.cookieName) === true || this.cookieDirective?.kind === 'set');
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
    if (!this.dataExposed) return;
    if (this.mode === 'moved' || this.mode === 'ended') {
      if (this.hasChanges()) logger.debug('changes of a session that moved or ended were dropped');
      return;
    }
    if (this.mode === 'new') {
      if (Object.keys(this.dataValue).length === 0) return;
      const fields = this.encodeAll();
      this.ensureWithinLimit(fields, new Map());
      await this.createWith(fields);
      return;
    }
    const set = new Map<string, string>();
    const remove: string[] = [];
    const current = this.encodeAll();
    for (const [key, json] of current) if (this.baseline.get(key) !== json) set.set(key, json);
    for (const key of this.baseline.keys()) if (!current.has(key)) remove.push(key);
    if (set.size === 0 && remove.length === 0) return;
    const { repository } = this.runtime;
    const changes = { set, remove };
    let target = this.publicIdValue!;
    let result: UpdateResult = await this.store(() => repository.update(target, changes));
    const forward = result.written ? undefined : result.forward;
    if (forward !== undefined) {
      // The session moved to a new ID (a login or regenerate) after this request loaded it. Its changes
      // follow only when the session stayed with its owner; a move into someone's login is a boundary.
      if (!forwardKeepsOwner(forward) || forward.userId !== this.userIdValue) {
        this.mode = 'moved';
        logger.debug(`session ${target} moved into another login; changes dropped`);
        return;
      }
      target = forward.to;
      result = await this.store(() => repository.update(target, changes));
      if (result.written) {
        this.publicIdValue = target;
        this.id = undefined;
        // From here this request only adds to the new session; it cannot rotate or end it.
        this.mode = 'forwarded';
      }
    }
    if (!result.written) {
      if (result.tooLarge !== undefined) {
        throw new SessionTooLargeException(result.tooLarge, this.runtime.options.maxSessionBytes);
      }
      // Logged out, revoked or expired while this request ran: never bring it back (S23).
      this.mode = 'ended';
      logger.debug(`session ${target} was gone at save; changes dropped`);
      return;
    }
    this.baseline = current;
    this.lastSeenAtValue = this.runtime.clock();
  }

  /** Whether the data differs from what was loaded or last written. */
  private hasChanges(): boolean {
    const current = this.encodeAll();
    if (current.size !== this.baseline.size) return true;
    for (const [key, json] of current) if (this.baseline.get(key) !== json) return true;
    return false;
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

  /** Every data key as JSON. */
  private encodeAll(): Map<string, string> {
    const fields = new Map<string, string>();
    for (const key of this.dataKeys()) {
      const json = encodeValue(key, this.dataValue[key]);
      if (json !== undefined) fields.set(key, json);
    }
    return fields;
  }

  /**
   * Refuses data over `maxSessionBytes` that grew past it from `before` (413), before anything is written.
   * Data that was already over the limit (the limit was lowered) and did not grow passes, so a session
   * can always be shrunk back under it. A save of an existing record is checked in the store instead,
   * against what the record holds then (update-session.lua).
   */
  private ensureWithinLimit(fields: ReadonlyMap<string, string>, before: ReadonlyMap<string, string>): void {
    const size = dataBytesOf(fields);
    const { maxSessionBytes } = this.runtime.options;
    if (size > maxSessionBytes && size > dataBytesOf(before)) {
      throw new SessionTooLargeException(size, maxSessionBytes);
    }
  }

  /** Stores this request's new session under a fresh ID (never overwriting a record, S24). */
  private async createWith(fields: Map<string, string>): Promise<void> {
    const publicId = this.publicId;
    const times = await this.store(() => this.runtime.repository.create(publicId, { fields }));
    if (times === undefined) throw new SessionStoreUnavailableException(new Error('session ID collision'));
    this.mode = 'own';
    this.setTimes(times);
    this.baseline = fields;
    this.cookieDirective = { kind: 'set', value: this.runtime.signer.sign(this.id!), maxAgeMs: undefined };
    this.runtime.events.emit({ type: 'created', publicId, userId: undefined, reason: undefined });
  }

  /**
   * Moves the session to a new ID. Every step touches one key (one cluster slot), in this order:
   * 1. the old record is retired (retire-session.lua): the gate. Gone (logged out, revoked, expired,
   *    evicted) → 401; already moved by another rotation → 409. Either way nothing was written.
   * 2. the new record is written ("must not exist") from the old record's last data, with this request's
   *    own changes on top: writes other requests made meanwhile are kept;
   * 3. a signed-in session is indexed under the per-user limit; a same-user rotation swaps the old member
   *    for the new one only while the old one is still indexed, so a "sign out everywhere" in between
   *    makes the rotation fail closed (the new record is deleted);
   * 4. sessions the limit evicted are deleted; a change of user drops the old member from its index.
   * A failure at any step leaves no signed-in session that the index does not know (S17, S26), and never
   * a new session for an old one that was signed out.
   */
  private async rotate(next: NewSessionRecord): Promise<void> {
    const { repository, options } = this.runtime;
    const previous = this.mode === 'own' ? this.publicIdValue : undefined;
    const previousUser = this.userIdValue;
    this.ensureWithinLimit(next.fields, this.baseline);
    const id = generateSessionId();
    const publicId = publicIdOf(id);
    let fields = next.fields;
    if (previous !== undefined) {
      const retired = await this.store(() =>
        repository.retire(previous, publicId, next.userId, options.rotationGracePeriod),
      );
      if (!retired.retired) this.refuseRotation(retired.movedTo !== undefined);
      fields = mergeConcurrentChanges(this.baseline, next.fields, retired.fields);
    }
    const times = await this.store(() => repository.create(publicId, { ...next, fields }));
    if (times === undefined) {
      // The deadline a regenerate keeps passed in between (or, once in 2^128, the ID exists): nothing new.
      if (previous !== undefined) this.refuseRotation(false);
      throw new SessionStoreUnavailableException(new Error('session ID collision'));
    }
    if (next.userId !== undefined) {
      const replaces = previousUser === next.userId ? previous : undefined;
      await this.index(next.userId, publicId, times.deadline, replaces);
    }
    if (previous !== undefined && previousUser !== undefined && previousUser !== next.userId) {
      await this.store(() => repository.indexRemove(previousUser, [previous]));
    }
    this.id = id;
    this.publicIdValue = publicId;
    this.mode = 'own';
    this.setTimes(times);
    this.userIdValue = next.userId;
    this.authenticatedAtValue = times.authenticatedAt;
    this.device = next.device ?? {};
    this.takeConcurrentChanges(next.fields, fields);
    this.cookieDirective = { kind: 'set', value: this.runtime.signer.sign(id), maxAgeMs: undefined };
  }

  /**
   * A rotation found its session moved by another rotation (409) or signed out (401): the request now
   * has no session it may rotate, end or store.
   */
  private refuseRotation(moved: boolean): never {
    this.mode = moved ? 'moved' : 'ended';
    throw moved ? new SessionMovedException() : new SessionUnauthorizedException(SESSION_ENDED);
  }

  /**
   * After a rotation stored `stored` where this request's own view was `own`: the handler's view takes
   * the keys other requests wrote meanwhile, so a save after this does not undo them.
   */
  private takeConcurrentChanges(own: ReadonlyMap<string, string>, stored: ReadonlyMap<string, string>): void {
    for (const [key, json] of stored) {
      if (own.get(key) === json) continue;
      const decoded = decodeValue(json);
      if (decoded !== undefined && key !== '__proto__') this.dataValue[key] = decoded.value;
    }
    for (const key of own.keys()) if (!stored.has(key)) delete this.dataValue[key];
    this.baseline = stored;
  }

  /** Step 3 of `rotate`: index the new session under the per-user limit; step 4's evictions. */
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
      // Never left behind: a signed-in record its index does not list.
      await this.store(() => repository.delete(publicId));
      if (indexed.replacedGone) this.refuseRotation(false);
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
