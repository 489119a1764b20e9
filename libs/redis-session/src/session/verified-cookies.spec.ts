import { CookieSigner, generateSessionId, publicIdOf } from './session-id.js';
import { VerifiedCookies } from './verified-cookies.js';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';

/** Counts how often a signature is actually checked. */
class CountingSigner extends CookieSigner {
  calls = 0;

  override unsign(value: string): string | undefined {
    this.calls++;
    return super.unsign(value);
  }
}

describe('VerifiedCookies', () => {
  let signer: CountingSigner;

  beforeEach(() => {
    signer = new CountingSigner([SECRET]);
  });

  it('verifies a signed value once, then answers from memory', () => {
    const cookies = new VerifiedCookies(signer);
    const id = generateSessionId();
    const value = signer.sign(id);
    expect(cookies.verify(value)).toEqual({ id, publicId: publicIdOf(id) });
    expect(cookies.verify(value)).toEqual({ id, publicId: publicIdOf(id) });
    expect(signer.calls).toBe(1);
  });

  it('never remembers a value that failed, so a forged value is checked every time', () => {
    const cookies = new VerifiedCookies(signer);
    const forged = `${generateSessionId()}.${'A'.repeat(43)}`;
    expect(cookies.verify(forged)).toBeUndefined();
    expect(cookies.verify(forged)).toBeUndefined();
    expect(signer.calls).toBe(2);
  });

  it('single(): the one valid copy, "ambiguous" for two different ones, undefined for none', () => {
    const cookies = new VerifiedCookies(signer);
    const a = signer.sign(generateSessionId());
    const b = signer.sign(generateSessionId());
    expect(cookies.single(['junk', a, 'x'])).toMatchObject({ id: a.split('.')[0] });
    expect(cookies.single([a, a])).toMatchObject({ id: a.split('.')[0] });
    expect(cookies.single([a, b])).toBe('ambiguous');
    expect(cookies.single(['junk', ''])).toBeUndefined();
  });

  it('stays bounded, dropping the oldest', () => {
    const cookies = new VerifiedCookies(signer);
    const first = signer.sign(generateSessionId());
    cookies.verify(first);
    for (let i = 0; i < 10_000; i++) cookies.verify(signer.sign(generateSessionId()));
    const before = signer.calls;
    cookies.verify(first);
    expect(signer.calls).toBe(before + 1);
  });
});
