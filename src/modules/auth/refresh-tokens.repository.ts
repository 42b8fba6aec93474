import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { affectedCount, columnsOf, queryEntities } from '../../database/data-access.js';
import { RefreshToken } from './entities/refresh-token.entity.js';

export type RefreshTokenRecord = Pick<RefreshToken, 'id' | 'userId' | 'familyId' | 'expiresAt' | 'rotatedAt' | 'revokedAt'>;

const RECORD: (keyof RefreshTokenRecord)[] = ['id', 'userId', 'familyId', 'expiresAt', 'rotatedAt', 'revokedAt'];

/** SQL for refresh_tokens; rows are looked up by the token's SHA-256 only. */
@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(
    token: { userId: string; familyId: string; tokenHash: string; createdAt: Date; expiresAt: Date },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(`INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
      token.userId,
      token.familyId,
      token.tokenHash,
      token.createdAt,
      token.expiresAt,
    ]);
  }

  /** Locks the row: two concurrent refreshes with one token are decided one after the other. */
  async findByHashForUpdate(tokenHash: string, manager: EntityManager = this.dataSource.manager): Promise<RefreshTokenRecord | undefined> {
    const [token] = await queryEntities(
      manager,
      RefreshToken,
      `SELECT ${columnsOf(manager, RefreshToken, undefined, RECORD)} FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash],
    );
    return token;
  }

  async markRotated(id: string, now: Date, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`UPDATE refresh_tokens SET rotated_at = $2 WHERE id = $1 AND rotated_at IS NULL`, [id, now]);
  }

  async revokeFamily(familyId: string, now: Date, reason: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const result: unknown = await manager.query(`UPDATE refresh_tokens SET revoked_at = $2, revoked_reason = $3 WHERE family_id = $1 AND revoked_at IS NULL`, [
      familyId,
      now,
      reason,
    ]);
    return affectedCount(result);
  }

  async revokeAllOfUser(userId: string, now: Date, reason: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const result: unknown = await manager.query(`UPDATE refresh_tokens SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL`, [
      userId,
      now,
      reason,
    ]);
    return affectedCount(result);
  }

  /** Deletes up to `batchSize` tokens that expired before `before`; returns how many. */
  async deleteExpiredBatch(before: Date, batchSize: number, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const result: unknown = await manager.query(
      `DELETE FROM refresh_tokens WHERE id IN (
         SELECT id FROM refresh_tokens WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
       )`,
      [before, batchSize],
    );
    return affectedCount(result);
  }
}
