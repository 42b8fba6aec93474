import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

function affected(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

/** SQL for refresh_tokens; rows are looked up by the token's SHA-256 only. */
@Injectable()
export class RefreshTokensRepository {
  async insert(
    manager: EntityManager,
    token: { userId: string; familyId: string; tokenHash: string; createdAt: Date; expiresAt: Date },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [token.userId, token.familyId, token.tokenHash, token.createdAt, token.expiresAt],
    );
  }

  /** Locks the row: two concurrent refreshes with one token are decided one after the other. */
  async findByHashForUpdate(manager: EntityManager, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const rows = await manager.query<RefreshTokenRow[]>(
      `SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash],
    );
    const row = rows[0];
    return row
      ? { id: row.id, userId: row.user_id, familyId: row.family_id, expiresAt: row.expires_at, rotatedAt: row.rotated_at, revokedAt: row.revoked_at }
      : undefined;
  }

  async markRotated(manager: EntityManager, id: string, now: Date): Promise<void> {
    await manager.query(`UPDATE refresh_tokens SET rotated_at = $2 WHERE id = $1 AND rotated_at IS NULL`, [id, now]);
  }

  async revokeFamily(manager: EntityManager, familyId: string, now: Date, reason: string): Promise<number> {
    const result = await manager.query(
      `UPDATE refresh_tokens SET revoked_at = $2, revoked_reason = $3 WHERE family_id = $1 AND revoked_at IS NULL`,
      [familyId, now, reason],
    );
    return affected(result);
  }

  async revokeAllOfUser(manager: EntityManager, userId: string, now: Date, reason: string): Promise<number> {
    const result = await manager.query(
      `UPDATE refresh_tokens SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId, now, reason],
    );
    return affected(result);
  }

  /** Deletes up to `batchSize` tokens that expired before `before`; returns how many. */
  async deleteExpiredBatch(manager: EntityManager, before: Date, batchSize: number): Promise<number> {
    const result = await manager.query(
      `DELETE FROM refresh_tokens WHERE id IN (
         SELECT id FROM refresh_tokens WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
       )`,
      [before, batchSize],
    );
    return affected(result);
  }
}
