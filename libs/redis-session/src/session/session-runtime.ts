import type { SessionEvents } from '../events/session-events.js';
import type { ResolvedSessionOptions } from '../options/resolved-session-options.js';
import type { SessionStore } from '../store/session-store.js';
import type { CookieSigner } from './session-id.js';
import type { VerifiedCookies } from './verified-cookies.js';

/** What every request's session needs from the module, built once at bootstrap by `SessionManager`. */
export interface SessionRuntime {
  readonly options: ResolvedSessionOptions;
  readonly store: SessionStore;
  readonly signer: CookieSigner;
  /** Cookie values that verified, remembered (see `VerifiedCookies`). */
  readonly cookies: VerifiedCookies;
  readonly events: SessionEvents;
  /**
   * The store's clock (`SessionStore.now`): the times a request compares with stored ones (a new
   * session's creation, a cookie's `Max-Age` against the deadline, `@RecentLogin()`) come from the same
   * clock as the stored times.
   */
  readonly clock: () => number;
}
