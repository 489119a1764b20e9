import type { ThrottlerModuleOptions } from '@nestjs/throttler';

/**
 * How many sign-in attempts are answered per window: per client IP address, and per username whatever
 * the address (a guesser spread over many addresses). Both count every attempt, right or wrong, through
 * the JSON API and the form alike; one over either limit gets a 429 until the window has passed.
 */
export interface SignInLimits {
  /** Attempts per client IP address per window. @default 20 */
  readonly perIp: number;
  /** Attempts per username per window. @default 5 */
  readonly perUsername: number;
  /** The window, in milliseconds. @default 60_000 */
  readonly windowMs: number;
}

/** The sample's limits: a person who mistypes a password a few times never meets them; a script does. */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perIp: 20, perUsername: 5, windowMs: 60_000 };

/** The username an attempt is for, as the user store matches it (trimmed, lower case). */
function usernameOf(request: Record<string, unknown>): string {
  const { body } = request as { body?: { username?: unknown } };
  return typeof body?.username === 'string' ? body.username.trim().toLowerCase().slice(0, 64) : '';
}

/**
 * `ThrottlerModule.forRoot()` options for the sign-in routes, which use `ThrottlerGuard`. The keys leave
 * out which route was called, so the JSON API and the form share one budget per address and per username.
 * The counts live in this process (the throttler's in-memory storage); an app on several instances gives
 * the throttler a shared storage instead, such as one in Redis.
 */
export function signInThrottling(limits: SignInLimits): ThrottlerModuleOptions {
  return {
    errorMessage: `Too many sign-in attempts. Wait ${Math.ceil(limits.windowMs / 1000)} seconds and try again.`,
    throttlers: [
      {
        name: 'sign-in-ip',
        limit: limits.perIp,
        ttl: limits.windowMs,
        generateKey: (_context, ip, name) => `${name}:${ip}`,
      },
      {
        name: 'sign-in-username',
        limit: limits.perUsername,
        ttl: limits.windowMs,
        getTracker: usernameOf,
        generateKey: (_context, username, name) => `${name}:${username}`,
      },
    ],
  };
}
