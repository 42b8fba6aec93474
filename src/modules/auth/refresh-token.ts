import { createHash, randomBytes } from 'node:crypto';

/** Opaque refresh tokens: 32 random bytes, base64url (43 characters). */
export const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this digest is stored: a database leak does not hand out live sessions. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface StoredRefreshToken {
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * What presenting a refresh token leads to:
 * - `rotate`: valid, exchange it for a successor in the same family;
 * - `reuse`: it was already exchanged, so a copy is in someone else's hands: revoke the family;
 * - `revoked` / `expired` / `unknown`: refuse, change nothing.
 * Revocation wins over reuse: a revoked family stays revoked and is not revoked again.
 */
export type RefreshDecision = 'rotate' | 'reuse' | 'revoked' | 'expired' | 'unknown';

export function decideRefresh(token: StoredRefreshToken | undefined, now: Date): RefreshDecision {
  if (!token) return 'unknown';
  if (token.revokedAt) return 'revoked';
  if (token.rotatedAt) return 'reuse';
  if (token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'rotate';
}
