import { decideRefresh, generateRefreshToken, hashRefreshToken, REFRESH_TOKEN_PATTERN } from './refresh-token.js';

const now = new Date('2025-03-01T12:00:00Z');
const later = new Date('2025-03-31T12:00:00Z');
const earlier = new Date('2025-02-01T12:00:00Z');

describe('refresh tokens', () => {
  it('are 32 random bytes in base64url, different every time', () => {
    const a = generateRefreshToken();
    const b = generateRefreshToken();
    expect(a).toMatch(REFRESH_TOKEN_PATTERN);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('are stored as their lower-case hex SHA-256, never as themselves', () => {
    // Known vector: sha256("abc")
    expect(hashRefreshToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const token = generateRefreshToken();
    expect(hashRefreshToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRefreshToken(token)).not.toContain(token);
  });

  describe('decideRefresh', () => {
    const fresh = { expiresAt: later, rotatedAt: null, revokedAt: null };

    it('rotates a live, unused token', () => {
      expect(decideRefresh(fresh, now)).toBe('rotate');
    });

    it('treats a second use of a rotated token as reuse (the family must be revoked)', () => {
      expect(decideRefresh({ ...fresh, rotatedAt: earlier }, now)).toBe('reuse');
    });

    it('refuses a revoked token without calling it reuse, even if it was rotated too', () => {
      expect(decideRefresh({ ...fresh, revokedAt: earlier }, now)).toBe('revoked');
      expect(decideRefresh({ ...fresh, rotatedAt: earlier, revokedAt: earlier }, now)).toBe('revoked');
    });

    it('refuses an expired token, also exactly at its expiry', () => {
      expect(decideRefresh({ ...fresh, expiresAt: earlier }, now)).toBe('expired');
      expect(decideRefresh({ ...fresh, expiresAt: now }, now)).toBe('expired');
    });

    it('detects reuse of a rotated token even after it expired', () => {
      expect(decideRefresh({ expiresAt: earlier, rotatedAt: earlier, revokedAt: null }, now)).toBe('reuse');
    });

    it('refuses an unknown token', () => {
      expect(decideRefresh(undefined, now)).toBe('unknown');
    });
  });
});
