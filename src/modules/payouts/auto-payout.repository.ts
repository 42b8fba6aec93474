import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { affectedCount, columnsOf, mapJoined, resultRows } from '../../database/data-access.js';
import { AutoPayoutSetting } from './entities/auto-payout-setting.entity.js';
import { PayoutAddress } from './entities/payout-address.entity.js';

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

/** A setting's columns and two of its address's (their names do not collide), each mapped from its entity. */
function settingColumns(manager: EntityManager, only?: readonly Extract<keyof AutoPayoutSetting, string>[]): string {
  return `${columnsOf(manager, AutoPayoutSetting, 's', only ?? ['userId', 'addressId', 'thresholdSats', 'updatedAt'])}, ${columnsOf(manager, PayoutAddress, 'a', ['address', 'usableFrom'])}`;
}

async function querySettings(manager: EntityManager, sql: string, params: unknown[]): Promise<AutoPayoutSettingRecord[]> {
  const raw = resultRows<Record<string, unknown>>(await manager.query(sql, params));
  return mapJoined(manager, [AutoPayoutSetting, PayoutAddress], raw).map(([s, a]) => ({
    userId: s.userId,
    addressId: s.addressId,
    address: a.address,
    usableFrom: a.usableFrom,
    thresholdSats: s.thresholdSats,
    updatedAt: s.updatedAt,
  }));
}

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
    const [setting] = await querySettings(
      manager,
      `SELECT ${settingColumns(manager)} FROM auto_payout_settings s JOIN payout_addresses a ON a.id = s.address_id WHERE s.user_id = $1`,
      [userId],
    );
    return setting;
  }

  async delete(userId: string, manager: EntityManager = this.dataSource.manager): Promise<AutoPayoutSettingRecord | undefined> {
    const before = await this.find(userId, manager);
    if (before) await manager.query(`DELETE FROM auto_payout_settings WHERE user_id = $1`, [userId]);
    return before;
  }

  /** Removing an address stops automatic payouts to it. */
  async deleteForAddress(addressId: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const result: unknown = await manager.query(`DELETE FROM auto_payout_settings WHERE address_id = $1`, [addressId]);
    return affectedCount(result);
  }

  /**
   * Set-based: every customer with a usable auto-payout address and no automatic withdrawal
   * for `day` yet, in one query (keyset by user id for very large customer bases).
   */
  async dueCandidates(
    day: string,
    now: Date,
    afterUserId: string | null,
    limit: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AutoPayoutCandidate[]> {
    const rows = await querySettings(
      manager,
      `SELECT ${settingColumns(manager, ['userId', 'addressId', 'thresholdSats'])}
         FROM auto_payout_settings s
         JOIN payout_addresses a ON a.id = s.address_id AND a.removed_at IS NULL AND a.usable_from <= $2
        WHERE ($3::uuid IS NULL OR s.user_id > $3::uuid)
          AND NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.user_id = s.user_id AND w.auto_day = $1)
        ORDER BY s.user_id
        LIMIT $4`,
      [day, now, afterUserId, limit],
    );
    return rows.map((r) => ({ userId: r.userId, addressId: r.addressId, address: r.address, thresholdSats: r.thresholdSats }));
  }
}
