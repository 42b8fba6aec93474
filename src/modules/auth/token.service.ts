import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock/clock.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuthErrors } from './auth.errors.js';
import { JwtAccessTokenVerifier } from './jwt-access-token.verifier.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { decideRefresh, generateRefreshToken, hashRefreshToken } from './refresh-token.js';
import { UsersRepository, type UserRecord } from './users.repository.js';

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds the access token stays valid. */
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

const PURGE_BATCH = 5_000;

/** Access tokens (short JWTs) and rotating refresh tokens grouped in families. */
@Injectable()
export class TokenService {
  private readonly logger = new Logger(TokenService.name);

  constructor(
    private readonly tokens: RefreshTokensRepository,
    private readonly users: UsersRepository,
    private readonly jwt: JwtAccessTokenVerifier,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Signs an access token and stores a new refresh token, in a new family unless one is given. */
  async issue(manager: EntityManager, user: Pick<UserRecord, 'id' | 'role' | 'email'>, familyId: string = randomUUID()): Promise<TokenPair> {
    const now = this.clock.now();
    const refreshToken = generateRefreshToken();
    const expiresAt = new Date(now.getTime() + this.config.REFRESH_TTL_DAYS * 86_400_000);
    await this.tokens.insert({ userId: user.id, familyId, tokenHash: hashRefreshToken(refreshToken), createdAt: now, expiresAt }, manager);
    const accessToken = await this.jwt.sign({ userId: user.id, role: user.role, email: user.email });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.JWT_ACCESS_TTL_SECONDS, refreshToken, refreshTokenExpiresAt: expiresAt };
  }

  /**
   * Exchanges a refresh token for a new pair. A token already exchanged once means a copy
   * leaked: the whole family is revoked (committed) and the caller gets 401.
   */
  async rotate(presented: string): Promise<TokenPair> {
    const outcome = await this.transactions.run(async (manager) => {
      const now = this.clock.now();
      const stored = await this.tokens.findByHashForUpdate(hashRefreshToken(presented), manager);
      const decision = decideRefresh(stored, now);
      if (!stored || decision === 'unknown' || decision === 'revoked' || decision === 'expired') return { kind: 'refused' as const };
      if (decision === 'reuse') {
        const revoked = await this.tokens.revokeFamily(stored.familyId, now, 'reuse', manager);
        this.logger.warn(`refresh token reuse for user ${stored.userId}: family ${stored.familyId} revoked (${revoked} tokens)`);
        return { kind: 'reused' as const };
      }
      const user = await this.users.findById(stored.userId, manager);
      if (!user || user.status !== 'active') {
        await this.tokens.revokeFamily(stored.familyId, now, 'user_disabled', manager);
        return { kind: 'refused' as const };
      }
      await this.tokens.markRotated(stored.id, now, manager);
      // The role and email come from the row, so a role change takes effect at the next refresh.
      return { kind: 'rotated' as const, pair: await this.issue(manager, user, stored.familyId) };
    });
    if (outcome.kind === 'reused') throw AuthErrors.refreshTokenReused();
    if (outcome.kind === 'refused') throw AuthErrors.invalidRefreshToken();
    return outcome.pair;
  }

  /** Signs out the session the token belongs to (its whole family); unknown tokens are ignored. */
  async revokeFamilyOf(presented: string): Promise<void> {
    await this.transactions.run(async (manager) => {
      const stored = await this.tokens.findByHashForUpdate(hashRefreshToken(presented), manager);
      if (stored) await this.tokens.revokeFamily(stored.familyId, this.clock.now(), 'logout', manager);
    });
  }

  /** Signs the user out everywhere (password change). */
  async revokeAllOfUser(manager: EntityManager, userId: string, reason: string): Promise<void> {
    await this.tokens.revokeAllOfUser(userId, this.clock.now(), reason, manager);
  }

  /**
   * Deletes refresh tokens past their expiry, in batches so no transaction holds many locks.
   * An expired token is refused anyway; deleting it only keeps the table small.
   */
  async purgeExpired(): Promise<number> {
    const before = this.clock.now();
    let total = 0;
    for (;;) {
      const deleted = await this.transactions.run((manager) => this.tokens.deleteExpiredBatch(before, PURGE_BATCH, manager));
      total += deleted;
      if (deleted < PURGE_BATCH) return total;
    }
  }
}
