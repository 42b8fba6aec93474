import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { big } from './sql-rows.js';

export interface AutoPayoutSettingRecord {
  userId: string;
  addressId: string;
  address: string;
  usableFrom: Date;
  thresholdSats: bigint;
  updatedAt: Date;
}

/** A customer whose automatic payout for the day is due, if their balance reaches the threshold. */
export interface AutoPayoutCandidate {
  userId: string;
  addressId: string;
  address: string;
  thresholdSats: bigint;
}

type RawSetting = Omit<AutoPayoutSettingRecord, 'thresholdSats'> & { thresholdSats: string };

const SETTING_COLUMNS = `s.user_id AS "userId", s.address_id AS "addressId", a.address, a.usable_from AS "usableFrom",
  s.threshold_sats AS "thresholdSats", s.updated_at AS "updatedAt"`;

/** SQL for auto_payout_settings and the daily selection of due payouts. */
@Injectable()
export class AutoPayoutRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async upsert(userId: string, addressId: string, thresholdSats: bigint, now: Date, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `INSERT INTO auto_payout_settings (user_id, address_id, threshold_sats, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET address_id = EXCLUDED.address_id, threshold_sats = EXCLUDED.threshold_sats, updated_at = EXCLUDED.updated_at`,
      [userId, addressId, thresholdSats.toString(), now],
    );
  }

  async find(userId: string, manager: EntityManager = this.dataSource.manager): Promise<AutoPayoutSettingRecord | undefined> {
    const rows: RawSetting[] = await manager.query(
      `SELECT ${SETTING_COLUMNS} FROM auto_payout_settings s JOIN payout_addresses a ON a.id = s.address_id WHERE s.user_id = $1`,
      [userId],
    );
    return rows[0] && { ...rows[0], thresholdSats: big(rows[0].thresholdSats) };
  }

  async delete(userId: string, manager: EntityManager = this.dataSource.manager): Promise<AutoPayoutSettingRecord | undefined> {
    const before = await this.find(userId, manager);
    if (before) await manager.query(`DELETE FROM auto_payout_settings WHERE user_id = $1`, [userId]);
    return before;
  }

  /** Removing an address stops automatic payouts to it. */
  async deleteForAddress(addressId: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const result = await manager.query(`DELETE FROM auto_payout_settings WHERE address_id = $1`, [addressId]);
    return (result as [unknown[], number])[1];
  }

  /**
   * Set-based: every customer with a usable auto-payout address and no automatic withdrawal
   * for `day` yet, in one query (keyset by user id for very large customer bases).
   */
  async dueCandidates(day: string, now: Date, afterUserId: string | null, limit: number, manager: EntityManager = this.dataSource.manager): Promise<AutoPayoutCandidate[]> {
    const rows: (Omit<AutoPayoutCandidate, 'thresholdSats'> & { thresholdSats: string })[] = await manager.query(
      `SELECT s.user_id AS "userId", s.address_id AS "addressId", a.address, s.threshold_sats AS "thresholdSats"
         FROM auto_payout_settings s
         JOIN payout_addresses a ON a.id = s.address_id AND a.removed_at IS NULL AND a.usable_from <= $2
        WHERE ($3::uuid IS NULL OR s.user_id > $3::uuid)
          AND NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.user_id = s.user_id AND w.auto_day = $1)
        ORDER BY s.user_id
        LIMIT $4`,
      [day, now, afterUserId, limit],
    );
    return rows.map((r) => ({ ...r, thresholdSats: big(r.thresholdSats) }));
  }
}
