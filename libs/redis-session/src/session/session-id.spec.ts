import { createHash, createHmac } from 'node:crypto';
import {
  CookieSigner,
  ENCODED_LENGTH,
  SIGNED_LENGTH,
  generateSessionId,
  isWellFormedId,
  publicIdOf,
  PUBLIC_ID_LENGTH,
} from './session-id.js';

const SECRET = 'a-first-secret-of-at-least-32-characters';
const OLD_SECRET = 'an-older-secret-still-accepted-for-a-while';
const OTHER_APP_SECRET = 'another-application-secret-32-characters!';
const BASE64URL_ID = /^[A-Za-z0-9_-]{43}$/;

/** A generated ID whose signed value satisfies `accept` (to find values that hold `-` or `_`). */
function signedValueWhere(signer: CookieSigner, accept: (id: string, signature: string) => boolean): string {
  for (let i = 0; i < 10_000; i++) {
    const value = signer.sign(generateSessionId());
    const [id, signature] = value.split('.') as [string, string];
    if (accept(id, signature)) return value;
  }
  throw new Error('no generated value matched');
}

/** The same 32 bytes with one bit flipped, re-encoded as base64url. */
function flipBit(encoded: string, bit: number): string {
  const bytes = Buffer.from(encoded, 'base64url');
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return bytes.toString('base64url');
}

describe('generateSessionId', () => {
  it('S1: 1,000,000 IDs are all distinct and all 43 base64url characters', () => {
    const count = 1_000_000;
    const seen = new Set<string>();
    let malformed = 0;
    for (let i = 0; i < count; i++) {
      const id = generateSessionId();
      if (!BASE64URL_ID.test(id)) malformed++;
      seen.add(id);
    }
    expect(malformed).toBe(0);
    expect(seen.size).toBe(count);
  });

  it('S1: encodes exactly 256 bits', () => {
    const id = generateSessionId();
    const bytes = Buffer.from(id, 'base64url');
    expect(bytes).toHaveLength(32);
    expect(bytes.toString('base64url')).toBe(id);
  });

  it('S1: does not use Math.random', () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random was called');
    };
    try {
      expect(() => generateSessionId()).not.toThrow();
    } finally {
      Math.random = original;
    }
  });

  it('S2: consecutive IDs share no common prefix beyond chance (no counter or time in them)', () => {
    // With 64 symbols, a shared 6-character prefix between consecutive IDs happens with probability 2^-36.
    let shared = 0;
    let previous = generateSessionId();
    for (let i = 0; i < 1_000; i++) {
      const next = generateSessionId();
      if (next.slice(0, 6) === previous.slice(0, 6)) shared++;
      previous = next;
    }
    expect(shared).toBe(0);
  });
});

describe('isWellFormedId', () => {
  it('S5: accepts what generateSessionId issues', () => {
    for (let i = 0; i < 1_000; i++) expect(isWellFormedId(generateSessionId())).toBe(true);
  });

  it('S5: rejects an ID one character short or long', () => {
    const id = generateSessionId();
    expect(isWellFormedId(id.slice(1))).toBe(false);
    expect(isWellFormedId(`${id}A`)).toBe(false);
    expect(isWellFormedId('')).toBe(false);
  });

  it.each([
    ['+ (base64 alphabet)', '+'],
    ['/ (base64 alphabet)', '/'],
    ['= padding', '='],
    ['a dot', '.'],
    ['a space', ' '],
    ['a newline', '\n'],
    ['a NUL', '\0'],
    ['a glob star', '*'],
    ['a multibyte character', 'é'],
  ])('S5: rejects an ID of the right length holding %s', (_label, char) => {
    const id = generateSessionId();
    expect(isWellFormedId(id.slice(0, 42) + char)).toBe(false);
    expect(isWellFormedId(char + id.slice(1))).toBe(false);
  });

  it('S5: does not let a trailing newline pass the anchored pattern', () => {
    expect(isWellFormedId(`${'A'.repeat(42)}\n`)).toBe(false);
    expect(isWellFormedId(`${generateSessionId()}\n`)).toBe(false);
  });
});

describe('publicIdOf', () => {
  it('S35: is the first 128 bits of the SHA-256 of the ID in base64url, 22 characters, and differs from the ID', () => {
    const id = generateSessionId();
    const publicId = publicIdOf(id);
    expect(publicId).toBe(createHash('sha256').update(id).digest().subarray(0, 16).toString('base64url'));
    expect(createHash('sha256').update(id).digest('base64url').startsWith(publicId.slice(0, 21))).toBe(true);
    expect(publicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(publicId).toHaveLength(PUBLIC_ID_LENGTH);
    expect(publicId).not.toContain(id.slice(0, 8));
  });

  it('of a known input: SHA-256("abc") is ba7816bf8f01cfea414140de5dae2223…', () => {
    expect(Buffer.from(publicIdOf('abc'), 'base64url').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223');
  });

  it('is stable for one ID and different for different IDs', () => {
    const id = generateSessionId();
    expect(publicIdOf(id)).toBe(publicIdOf(id));
    expect(publicIdOf(generateSessionId())).not.toBe(publicIdOf(id));
  });
});

describe('CookieSigner', () => {
  const signer = new CookieSigner([SECRET]);

  it('signs as <id>.<base64url HMAC-SHA256 of the id with the secret>', () => {
    const id = generateSessionId();
    const expected = createHmac('sha256', SECRET).update(id).digest('base64url');
    expect(signer.sign(id)).toBe(`${id}.${expected}`);
    expect(signer.sign(id)).toHaveLength(SIGNED_LENGTH);
    expect(SIGNED_LENGTH).toBe(2 * ENCODED_LENGTH + 1);
  });

  it('unsign returns the ID a value was signed with', () => {
    for (let i = 0; i < 100; i++) {
      const id = generateSessionId();
      expect(signer.unsign(signer.sign(id))).toBe(id);
    }
  });

  it('S6: one flipped bit anywhere in the ID gives no ID', () => {
    const value = signer.sign(generateSessionId());
    const [id, signature] = value.split('.') as [string, string];
    for (let bit = 0; bit < 256; bit++) {
      expect(signer.unsign(`${flipBit(id, bit)}.${signature}`)).toBeUndefined();
    }
  });

  it('S6: one flipped bit anywhere in the signature gives no ID', () => {
    const value = signer.sign(generateSessionId());
    const [id, signature] = value.split('.') as [string, string];
    for (let bit = 0; bit < 256; bit++) {
      expect(signer.unsign(`${id}.${flipBit(signature, bit)}`)).toBeUndefined();
    }
  });

  it('S6: one flipped bit in any character code gives no ID', () => {
    const value = signer.sign(generateSessionId());
    for (let i = 0; i < value.length; i++) {
      for (const mask of [1, 2, 4, 8, 16, 32, 64]) {
        const flipped = value.slice(0, i) + String.fromCharCode(value.charCodeAt(i) ^ mask) + value.slice(i + 1);
        expect(signer.unsign(flipped)).toBeUndefined();
      }
    }
  });

  it('S7: rejects a signature with the same bytes but non-canonical trailing bits', () => {
    const value = signedValueWhere(signer, (_id, signature) => !signature.endsWith('A'));
    const [id, signature] = value.split('.') as [string, string];
    // The 43rd character carries 4 significant bits and 2 padding bits; setting a padding bit keeps the bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    const variant = signature.slice(0, 42) + alphabet[last | 1]!;
    expect(Buffer.from(variant, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    expect(variant).not.toBe(signature);
    expect(signer.unsign(`${id}.${variant}`)).toBeUndefined();
  });

  describe('S7: prefix, suffix and alphabet tricks', () => {
    const value = signer.sign(generateSessionId());
    const [id, signature] = value.split('.') as [string, string];
    const cases: [string, string][] = [
      ['a bare unsigned ID', id],
      ['valid + "x"', `${value}x`],
      ['valid + ".x"', `${value}.x`],
      ['"x" + valid', `x${value}`],
      ['an empty signature', `${id}.`],
      ['an empty ID', `.${signature}`],
      ['the signature alone', signature],
      ['two dots between ID and signature', `${id}..${signature}`],
      ['a trailing dot', `${value}.`],
      ['a leading dot', `.${value}`],
      ['a dot inside the ID', `${id.slice(0, 20)}.${id.slice(21)}.${signature}`],
      ['the signature with its last character dropped and a dot appended', `${id}.${signature.slice(0, 42)}.`],
      ['ID and signature swapped', `${signature}.${id}`],
      ['a colon instead of the dot', `${id}:${signature}`],
      ['padding on the ID', `${id}=.${signature}`],
      ['padding on the signature', `${value}=`],
      ['the signature in padded base64', `${id}.${Buffer.from(signature, 'base64url').toString('base64')}`],
      ['a leading space', ` ${value}`],
      ['a trailing space', `${value} `],
      ['a trailing newline', `${value}\n`],
      ['surrounding quotes', `"${value}"`],
      ['the signature in upper case', `${id}.${signature.toUpperCase()}`],
      ['a NUL in place of the last character', `${value.slice(0, -1)}\0`],
      ['an empty string', ''],
    ];
    it.each(cases)('S7: rejects %s', (_label, candidate) => {
      expect(candidate).not.toBe(value);
      expect(signer.unsign(candidate)).toBeUndefined();
    });
  });

  it('S7: rejects the base64 alphabet (+/) in place of base64url (-_) in the signature', () => {
    const value = signedValueWhere(signer, (_id, signature) => /[-_]/.test(signature));
    const [id, signature] = value.split('.') as [string, string];
    const base64 = signature.replaceAll('-', '+').replaceAll('_', '/');
    expect(base64).not.toBe(signature);
    expect(signer.unsign(`${id}.${base64}`)).toBeUndefined();
  });

  it('S7: rejects the base64 alphabet (+/) in place of base64url (-_) in the ID', () => {
    const value = signedValueWhere(signer, (id) => /[-_]/.test(id));
    const [id, signature] = value.split('.') as [string, string];
    const base64 = id.replaceAll('-', '+').replaceAll('_', '/');
    expect(base64).not.toBe(id);
    expect(signer.unsign(`${base64}.${signature}`)).toBeUndefined();
    // Even signed by us, an ID outside the base64url alphabet is refused.
    expect(signer.unsign(signer.sign(base64))).toBeUndefined();
  });

  it('S5: refuses a correctly signed value whose ID is not well formed', () => {
    expect(signer.unsign(signer.sign('A'.repeat(42)))).toBeUndefined();
    expect(signer.unsign(signer.sign('A'.repeat(44)))).toBeUndefined();
    expect(signer.unsign(signer.sign(`${'A'.repeat(42)}*`))).toBeUndefined();
    expect(signer.unsign(signer.sign(''))).toBeUndefined();
  });

  it.each([
    ['a two-byte character', 'é'],
    ['a three-byte character', '€'],
    ['U+00FF (one byte in latin1, two in UTF-8)', '\u00ff'],
    ['a lone surrogate', '\ud800'],
  ])('S8: a signature of the same string length holding %s gives no ID and does not throw', (_label, char) => {
    const value = signer.sign(generateSessionId());
    const tampered = value.slice(0, -1) + char;
    expect(tampered).toHaveLength(value.length);
    expect(Buffer.byteLength(tampered)).toBeGreaterThan(Buffer.byteLength(value));
    expect(() => signer.unsign(tampered)).not.toThrow();
    expect(signer.unsign(tampered)).toBeUndefined();
  });

  it('S8: a signature with an emoji in place of two characters gives no ID and does not throw', () => {
    const value = signer.sign(generateSessionId());
    const tampered = value.slice(0, -2) + '😀';
    expect(tampered).toHaveLength(value.length);
    expect(() => signer.unsign(tampered)).not.toThrow();
    expect(signer.unsign(tampered)).toBeUndefined();
  });

  describe('S9: secret rotation', () => {
    const id = generateSessionId();
    const signedWithOld = new CookieSigner([OLD_SECRET]).sign(id);

    it('S9: the first secret signs', () => {
      expect(new CookieSigner([SECRET, OLD_SECRET]).sign(id)).toBe(new CookieSigner([SECRET]).sign(id));
      expect(new CookieSigner([SECRET, OLD_SECRET]).sign(id)).not.toBe(signedWithOld);
    });

    it('S9: every secret verifies', () => {
      const rotated = new CookieSigner([SECRET, OLD_SECRET, OTHER_APP_SECRET.toUpperCase()]);
      expect(rotated.unsign(signedWithOld)).toBe(id);
      expect(rotated.unsign(new CookieSigner([SECRET]).sign(id))).toBe(id);
      expect(rotated.unsign(new CookieSigner([OTHER_APP_SECRET.toUpperCase()]).sign(id))).toBe(id);
    });

    it('S9: a removed secret no longer verifies', () => {
      expect(new CookieSigner([SECRET, OLD_SECRET]).unsign(signedWithOld)).toBe(id);
      expect(new CookieSigner([SECRET]).unsign(signedWithOld)).toBeUndefined();
    });

    it("S9: a value signed with another app's secret does not verify", () => {
      const foreign = new CookieSigner([OTHER_APP_SECRET]).sign(id);
      expect(new CookieSigner([SECRET, OLD_SECRET]).unsign(foreign)).toBeUndefined();
    });

    it('S9: a secret that differs in one character does not verify', () => {
      const near = `${SECRET.slice(0, -1)}${SECRET.at(-1) === 'x' ? 'y' : 'x'}`;
      expect(new CookieSigner([SECRET]).unsign(new CookieSigner([near]).sign(id))).toBeUndefined();
    });
  });

  it('rejects values of length 0, 1, 42, 44, 4 KiB and 1 MiB quickly', () => {
    const valid = signer.sign(generateSessionId());
    const candidates = [
      '',
      'a',
      'A'.repeat(42),
      'A'.repeat(44),
      valid.slice(0, -1),
      `${valid}A`,
      valid.repeat(48).slice(0, 4096),
      'A'.repeat(4096),
      `${valid}${'A'.repeat(1024 * 1024 - valid.length)}`,
      '.'.repeat(1024 * 1024),
    ];
    for (const candidate of candidates) expect(signer.unsign(candidate)).toBeUndefined();
    // The length check comes first: 1,000 rounds over 2 MiB of junk stay far below a millisecond each.
    const started = performance.now();
    for (let round = 0; round < 1_000; round++) {
      for (const candidate of candidates) signer.unsign(candidate);
    }
    expect(performance.now() - started).toBeLessThan(250);
  });
});
