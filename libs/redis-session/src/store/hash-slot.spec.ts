import { hashSlot } from './hash-slot.js';

describe('hashSlot', () => {
  it('gives the slots Redis Cluster gives (CLUSTER KEYSLOT)', () => {
    expect(hashSlot('foo')).toBe(12182);
    expect(hashSlot('somekey')).toBe(11058);
    expect(hashSlot('123456789')).toBe(0x31c3 % 16384);
  });

  it('hashes only the hash tag when there is one, as a session key has', () => {
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('{user1000}.followers'));
    expect(hashSlot('sess:{abc}')).toBe(hashSlot('abc'));
    expect(hashSlot('foo{bar}{zap}')).toBe(hashSlot('bar'));
    expect(hashSlot('foo{{bar}}zap')).toBe(hashSlot('{bar'));
  });

  it('hashes the whole key when the tag is empty or unclosed', () => {
    expect(hashSlot('foo{}{bar}')).toBe(8363);
    expect(hashSlot('a{}{b}')).toBe(15033);
  });

  it('hashes UTF-8 bytes', () => {
    expect(hashSlot('é{ü}')).toBe(hashSlot('ü'));
  });
});
