import type { resolveSessionOptions } from './resolve-session-options.js';

/**
 * The module's options after validation, with every default applied: what `resolveSessionOptions` returns,
 * derived from it rather than written again. Everything downstream injects this (`REDIS_SESSION_OPTIONS`).
 */
export type ResolvedSessionOptions = ReturnType<typeof resolveSessionOptions>;

/** The session cookie's attributes, resolved (`ResolvedSessionOptions['cookie']`). */
export type ResolvedCookieOptions = ResolvedSessionOptions['cookie'];
