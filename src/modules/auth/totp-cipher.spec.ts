import { TotpCipher } from './totp-cipher.js';

const key = '0f'.repeat(32);
const userA = '7b6f0a52-3f1e-4f4b-9f55-0d4f6f1f0a01';
const userB = '7b6f0a52-3f1e-4f4b-9f55-0d4f6f1f0a02';

describe('TotpCipher', () => {
  const cipher = new TotpCipher(key);

  it('round-trips a secret and never stores it in clear', () => {
    const stored = cipher.encrypt('JBSWY3DPEHPK3PXP', userA);
    expect(stored.startsWith('v1.')).toBe(true);
    expect(stored).not.toContain('JBSWY3DPEHPK3PXP');
    expect(cipher.decrypt(stored, userA)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt('JBSWY3DPEHPK3PXP', userA)).not.toBe(cipher.encrypt('JBSWY3DPEHPK3PXP', userA));
  });

  it('refuses a ciphertext moved to another user, a tampered one, or another key', () => {
    const stored = cipher.encrypt('JBSWY3DPEHPK3PXP', userA);
    expect(() => cipher.decrypt(stored, userB)).toThrow();
    const parts = stored.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    expect(() => cipher.decrypt([parts[0], parts[1], parts[2], flipped.toString('base64url')].join('.'), userA)).toThrow();
    expect(() => new TotpCipher('1e'.repeat(32)).decrypt(stored, userA)).toThrow();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new TotpCipher('abcd')).toThrow('32 bytes');
  });
});
