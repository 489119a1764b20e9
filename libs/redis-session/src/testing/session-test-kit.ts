import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import { REDIS_SESSION_OPTIONS } from '../redis-session.constants.js';
import { encodeValue } from '../session/session-data.codec.js';
import { CookieSigner, generateSessionId, publicIdOf } from '../session/session-id.js';
import type { SessionData } from '../session/session.interface.js';
import { SessionStore } from '../store/session-store.js';

/** What `SessionTestKit.signIn()` returns. */
export interface TestSession {
  /** The `Cookie` header to send: `request(app.getHttpServer()).get('/me').set('Cookie', session.cookie)`. */
  readonly cookie: string;
  /** The session's public ID (as `session.publicId` reports it). */
  readonly publicId: string;
}

/**
 * Creates sessions directly in the store, so an app's tests can call guarded routes without going
 * through its login form. Provided by `RedisSessionTestingModule`; works with the Redis store too.
 *
 * @example
 * const { cookie } = await app.get(SessionTestKit).signIn('user-1', { cart: [] });
 * await request(app.getHttpServer()).get('/profile').set('Cookie', cookie).expect(200);
 */
@Injectable()
export class SessionTestKit {
  private readonly signer: CookieSigner;

  constructor(
    private readonly store: SessionStore,
    @Inject(REDIS_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
  ) {
    this.signer = new CookieSigner(options.secrets);
  }

  /**
   * A signed-in session for `userId` holding `data`, listed in the user's index like a real login.
   * `data` is typed as the app's `SessionData` (declaration merging), or as `T` when given:
   * `kit.signIn<ShopSession>('user-1', { cart: [] })`.
   */
  async signIn<T extends object = SessionData>(
    userId: string,
    data: NoInfer<Partial<T>> = {},
    options: { secure?: boolean } = {},
  ): Promise<TestSession> {
    const id = generateSessionId();
    const publicId = publicIdOf(id);
    const times = await this.store.create(publicId, { fields: this.encode(data), userId });
    if (times === undefined) throw new Error('SessionTestKit: could not create the session');
    await this.store.indexAdd(userId, publicId, times.deadline, {
      limit: 0,
      policy: this.options.onSessionLimit,
      authenticatedAt: times.authenticatedAt ?? times.now,
    });
    return { cookie: this.cookieHeaderFor(id, options.secure), publicId };
  }

  /** An anonymous (not signed-in) session holding `data`, typed like `signIn()`'s. */
  async anonymous<T extends object = SessionData>(
    data: NoInfer<Partial<T>>,
    options: { secure?: boolean } = {},
  ): Promise<TestSession> {
    const id = generateSessionId();
    const publicId = publicIdOf(id);
    await this.store.create(publicId, { fields: this.encode(data) });
    return { cookie: this.cookieHeaderFor(id, options.secure), publicId };
  }

  /** A `Cookie` request header (`name=value`) for a session ID, as a browser would send it. */
  private cookieHeaderFor(id: string, secure = false): string {
    const { cookie } = this.options;
    return `${secure ? cookie.secureName : cookie.plainName}=${this.signer.sign(id)}`;
  }

  private encode(data: object): Map<string, string> {
    const fields = new Map<string, string>();
    for (const [key, value] of Object.entries(data)) {
      const json = encodeValue(key, value);
      if (json !== undefined) fields.set(key, json);
    }
    return fields;
  }
}
