import { publicIdOf, type CookieSigner } from './session-id.js';

/** A session named by a cookie whose signature checked out. */
export interface VerifiedCookie {
  readonly id: string;
  readonly publicId: string;
}

/** Enough for the active sessions of a busy instance; about 200 bytes each. */
const CAPACITY = 10_000;

/**
 * Remembers cookie values that verified, so a returning browser costs a map lookup instead of an HMAC per
 * secret and a SHA-256 on every request. Only values that verified are kept, keyed by their exact
 * text, so a forged value can never hit (guessing a cached value means guessing a signed 256-bit ID).
 * Secrets are fixed for the life of the process, so a cached verdict cannot outlive its secret. Bounded:
 * the oldest entry leaves when it is full.
 */
export class VerifiedCookies {
  private readonly verified = new Map<string, VerifiedCookie>();

  constructor(private readonly signer: CookieSigner) {}

  /**
   * The one session several copies of our cookie name (a sibling subdomain can plant a copy): the one
   * that verifies; `'ambiguous'` when two different ones do; `undefined` when none does.
   */
  single(values: readonly string[]): VerifiedCookie | 'ambiguous' | undefined {
    let found: VerifiedCookie | undefined;
    for (const value of values) {
      const verified = this.verify(value);
      if (verified === undefined || verified.id === found?.id) continue;
      if (found !== undefined) return 'ambiguous';
      found = verified;
    }
    return found;
  }

  /** The session a cookie value names, or `undefined` when its shape or signature is wrong. */
  verify(value: string): VerifiedCookie | undefined {
    const cached = this.verified.get(value);
    if (cached !== undefined) return cached;
    const id = this.signer.unsign(value);
    if (id === undefined) return undefined;
    const entry = { id, publicId: publicIdOf(id) };
    if (this.verified.size >= CAPACITY) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(value, entry);
    return entry;
  }
}
