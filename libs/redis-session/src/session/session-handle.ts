import type { SessionRejection } from '../events/session-event.interface.js';
import type { LoginOptions, SessionApi, SessionData } from './session.interface.js';

/**
 * What a handle answers from: the request's session context. Declared here, not imported, so the
 * context (which creates handles) and the handle do not import each other.
 */
export interface HandleSource {
  readonly publicId: string;
  readonly data: Record<string, unknown>;
  replaceData(value: unknown): void;
  readonly isNew: boolean;
  readonly userId: string | undefined;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly authenticatedAt: number | undefined;
  readonly rejection: SessionRejection | undefined;
  login(userId: string, data?: object, options?: LoginOptions): Promise<void>;
  regenerate(): Promise<void>;
  destroy(reason: 'logout' | 'destroy'): Promise<void>;
  save(): Promise<void>;
}

/**
 * The object `@Session()` injects. A thin face over the request's `SessionContext`: the context sits in
 * a private field, so neither the raw ID nor any internals show up in `JSON.stringify`, `console.log` or
 * an enumeration of the object (S14).
 */
export class SessionHandle<T extends object = SessionData> implements SessionApi<T> {
  readonly #context: HandleSource;

  constructor(context: HandleSource) {
    this.#context = context;
  }

  get publicId(): string {
    return this.#context.publicId;
  }

  get data(): T {
    return this.#context.data as T;
  }

  set data(value: T) {
    this.#context.replaceData(value);
  }

  get isNew(): boolean {
    return this.#context.isNew;
  }

  get isAuthenticated(): boolean {
    return this.#context.userId !== undefined;
  }

  get userId(): string | undefined {
    return this.#context.userId;
  }

  get createdAt(): Date {
    return new Date(this.#context.createdAt);
  }

  get lastSeenAt(): Date {
    return new Date(this.#context.lastSeenAt);
  }

  get expiresAt(): Date {
    return new Date(this.#context.expiresAt);
  }

  get authenticatedAt(): Date | undefined {
    const at = this.#context.authenticatedAt;
    return at === undefined ? undefined : new Date(at);
  }

  login(userId: string, data?: Partial<T>, options?: LoginOptions): Promise<void> {
    return this.#context.login(userId, data, options);
  }

  get rejection(): SessionRejection | undefined {
    return this.#context.rejection;
  }

  logout(): Promise<void> {
    return this.#context.destroy('logout');
  }

  regenerate(): Promise<void> {
    return this.#context.regenerate();
  }

  destroy(): Promise<void> {
    return this.#context.destroy('destroy');
  }

  save(): Promise<void> {
    return this.#context.save();
  }

  /** What `JSON.stringify(session)` shows: public facts and data, never the ID. */
  toJSON(): object {
    return {
      publicId: this.publicId,
      isNew: this.isNew,
      isAuthenticated: this.isAuthenticated,
      userId: this.userId,
      createdAt: this.createdAt,
      lastSeenAt: this.lastSeenAt,
      expiresAt: this.expiresAt,
      data: this.data,
    };
  }
}
