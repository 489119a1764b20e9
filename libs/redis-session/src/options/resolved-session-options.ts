import type {
  RedisConnection,
  SameSite,
  SessionLimitPolicy,
  SessionStoreKind,
} from './redis-session-options.interface.js';

/** Cookie attributes with every default applied. */
export interface ResolvedCookieOptions {
  /** Name used on secure requests. */
  readonly secureName: string;
  /** Name used on plain-HTTP requests. */
  readonly plainName: string;
  readonly httpOnly: boolean;
  readonly secure: boolean | 'auto';
  readonly sameSite: SameSite;
  readonly path: string;
  readonly domain: string | undefined;
  readonly maxAge: number | undefined;
}

/** The module's options after validation, with every default applied. Everything downstream injects this. */
export interface ResolvedSessionOptions {
  readonly redis: RedisConnection;
  readonly store: SessionStoreKind;
  readonly secrets: readonly string[];
  readonly idleTimeout: number;
  /** Idle timeout of a session nobody signed in to; at most `idleTimeout`. */
  readonly anonymousIdleTimeout: number;
  readonly absoluteTimeout: number;
  readonly touchAfter: number;
  /** `touchAfter` for anonymous sessions: the same fraction of `anonymousIdleTimeout`. */
  readonly anonymousTouchAfter: number;
  readonly keyPrefix: string;
  readonly cookie: ResolvedCookieOptions;
  /** `false`, `true` (every proxy), or how many proxies stand in front of the app. */
  readonly trustProxy: boolean | number;
  readonly maxSessionBytes: number;
  readonly commandTimeout: number;
  /** Replicas that must acknowledge a login or logout (`WAIT`); `false`: do not wait. */
  readonly waitForReplicas: number | false;
  readonly globalInterceptor: boolean;
  /** `0`: no limit. */
  readonly maxSessionsPerUser: number;
  readonly onSessionLimit: SessionLimitPolicy;
  readonly rotationGracePeriod: number;
  readonly keyspaceEvents: boolean;
  /** ms between checks of open sockets' sessions; `0`: off. */
  readonly socketCheckInterval: number;
  /** `userAgent`: `true` records a description of the client, `'full'` the header, `false` nothing. */
  readonly device: { readonly userAgent: boolean | 'full'; readonly ip: boolean };
}
