import { createHmac, createSecretKey, hash, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/** 32 bytes from the CSPRNG: 256 bits, as base64url (S1). */
const ID_BYTES = 32;
/** Length of a base64url-encoded 32-byte value without padding. */
export const ENCODED_LENGTH = 43;
/** `<id>.<signature>` */
export const SIGNED_LENGTH = ENCODED_LENGTH * 2 + 1;
const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;

/** IDs drawn from the CSPRNG per call to it: one call costs about as much as a hundred small reads. */
const POOLED_IDS = 128;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * A new session ID: 256 random bits, nothing derived from the user, time or a counter (S1, S2). The bytes
 * come from the CSPRNG in batches (as `crypto.randomUUID` does) and each is used once, for one ID.
 */
export function generateSessionId(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * POOLED_IDS);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  // Wiped once read, so an ID handed out never stays in memory beside the ones still to come.
  pool.fill(0, offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

/** Whether a string has the exact shape of an ID this library issues (S5). */
export function isWellFormedId(id: string): boolean {
  return id.length === ENCODED_LENGTH && BASE64URL_43.test(id);
}

/** Bytes of the SHA-256 a public ID keeps: 128 bits. */
const PUBLIC_ID_BYTES = 16;
/** Length of a public ID: 16 bytes as base64url without padding. */
export const PUBLIC_ID_LENGTH = 22;

/**
 * The session's public identity: the first 128 bits of the SHA-256 of the ID, base64url (22 characters).
 * It names the Redis key and appears in device lists and logs. The raw ID cannot be recovered from it
 * (S14, S35), and 128 bits keep collisions out of reach (about 2^64 sessions before any two are likely to
 * share one) while the shorter key saves Redis memory in every record and index entry.
 */
export function publicIdOf(id: string): string {
  return hash('sha256', id, 'buffer').toString('base64url', 0, PUBLIC_ID_BYTES);
}

/**
 * Signs and verifies cookie values with HMAC-SHA256. The key objects are built once at bootstrap; the
 * first secret signs, every secret verifies (rotation, S9).
 */
export class CookieSigner {
  private readonly keys: readonly KeyObject[];

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
  }

  /** `<id>.<base64url HMAC-SHA256(id)>` with the first secret. */
  sign(id: string): string {
    return `${id}.${this.mac(this.keys[0]!, id)}`;
  }

  /**
   * The ID inside a signed cookie value, or `undefined` when the value is not exactly `<43>.<43>` in the
   * base64url alphabet or no secret's signature matches. The shape check comes first, so junk costs no
   * HMAC; the comparison is constant-time over equal byte lengths (S6, S7, S8).
   */
  unsign(value: string): string | undefined {
    if (value.length !== SIGNED_LENGTH || value.charCodeAt(ENCODED_LENGTH) !== 0x2e /* . */) return undefined;
    const id = value.slice(0, ENCODED_LENGTH);
    const signature = value.slice(ENCODED_LENGTH + 1);
    if (!BASE64URL_43.test(id) || !BASE64URL_43.test(signature)) return undefined;
    // Both strings are pure ASCII here, so equal string lengths are equal byte lengths.
    const given = Buffer.from(signature, 'latin1');
    let matched = false;
    for (const key of this.keys) {
      // Every secret is tried even after a match, so timing does not reveal which secret signed.
      if (timingSafeEqual(given, Buffer.from(this.mac(key, id), 'latin1'))) matched = true;
    }
    return matched ? id : undefined;
  }

  private mac(key: KeyObject, id: string): string {
    return createHmac('sha256', key).update(id).digest('base64url');
  }
}
