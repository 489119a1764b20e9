import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * The public ID of a raw session ID, computed the way the library does (the first 128 bits of its SHA-256,
 * base64url: 22 characters), from the outside, so a change of format there fails the tests that use it.
 */
export function publicIdForTests(id: string): string {
  return createHash('sha256').update(id).digest().subarray(0, 16).toString('base64url');
}

/**
 * Signs IDs the way the library does, from the outside: lets a test forge a correctly signed cookie for
 * an ID the server never issued (S3). Kept separate from the library's own signer on purpose, so a
 * change of format there shows up here as a failing test.
 */
export class CookieSignerForTests {
  constructor(private readonly secrets: string[]) {}

  signFresh(): { id: string; value: string; publicId: string } {
    const id = randomBytes(32).toString('base64url');
    const signature = createHmac('sha256', this.secrets[0]!).update(id).digest('base64url');
    return { id, value: `${id}.${signature}`, publicId: publicIdForTests(id) };
  }
}
