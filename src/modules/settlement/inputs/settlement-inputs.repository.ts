import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { columnsOf, queryEntities } from '../../../database/data-access.js';
import { PoolEarning } from '../entities/pool-earning.entity.js';
import { PoolPayout } from '../entities/pool-payout.entity.js';

/** SQL for what pools report and pay: daily earnings and on-chain payouts. */
@Injectable()
export class SettlementInputsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insertEarnings(
    m: EntityManager,
    e: { poolId: string; day: string; amountSats: bigint; reference: string; recordedBy: string | null },
  ): Promise<{ row: PoolEarning; created: boolean }> {
    const columns = columnsOf(m, PoolEarning);
    const [inserted] = await queryEntities(
      m,
      PoolEarning,
      `INSERT INTO pool_earnings (pool_id, day, amount_sats, reference, revision, recorded_by, recorded_at, updated_at)
       VALUES ($1, $2, $3, $4, 1, $5, now(), now()) ON CONFLICT (pool_id, day) DO NOTHING RETURNING ${columns}`,
      [e.poolId, e.day, e.amountSats.toString(), e.reference, e.recordedBy],
    );
    if (inserted) return { row: inserted, created: true };
    const [existing] = await queryEntities(m, PoolEarning, `SELECT ${columns} FROM pool_earnings WHERE pool_id = $1 AND day = $2 FOR UPDATE`, [
      e.poolId,
      e.day,
    ]);
    return { row: existing, created: false };
  }

  async correctEarnings(
    m: EntityManager,
    e: { poolId: string; day: string; amountSats: bigint; reference: string; recordedBy: string | null },
  ): Promise<PoolEarning> {
    const [row] = await queryEntities(
      m,
      PoolEarning,
      `UPDATE pool_earnings SET amount_sats = $3, reference = $4, revision = revision + 1, recorded_by = $5, updated_at = now()
        WHERE pool_id = $1 AND day = $2 RETURNING ${columnsOf(m, PoolEarning)}`,
      [e.poolId, e.day, e.amountSats.toString(), e.reference, e.recordedBy],
    );
    return row;
  }

  async findEarnings(poolId: string, day: string, m?: EntityManager): Promise<PoolEarning | null> {
    const db = m ?? this.dataSource;
    const [row] = await queryEntities(db, PoolEarning, `SELECT ${columnsOf(db, PoolEarning)} FROM pool_earnings WHERE pool_id = $1 AND day = $2`, [
      poolId,
      day,
    ]);
    return row ?? null;
  }

  /** Pools with earnings recorded for the day. */
  async poolsWithEarningsOn(day: string): Promise<string[]> {
    const rows: { pool_id: string }[] = await this.dataSource.query(`SELECT pool_id FROM pool_earnings WHERE day = $1`, [day]);
    return rows.map((r) => r.pool_id);
  }

  async insertPayout(
    m: EntityManager,
    p: { poolId: string; txid: string; vout: number; amountSats: bigint; receivedAt: Date; recordedBy: string | null },
  ): Promise<{ row: PoolPayout; created: boolean }> {
    const columns = columnsOf(m, PoolPayout);
    const [inserted] = await queryEntities(
      m,
      PoolPayout,
      `INSERT INTO pool_payouts (pool_id, txid, vout, amount_sats, received_at, recorded_by, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (txid, vout) DO NOTHING RETURNING ${columns}`,
      [p.poolId, p.txid, p.vout, p.amountSats.toString(), p.receivedAt, p.recordedBy],
    );
    if (inserted) return { row: inserted, created: true };
    const [existing] = await queryEntities(m, PoolPayout, `SELECT ${columns} FROM pool_payouts WHERE txid = $1 AND vout = $2`, [p.txid, p.vout]);
    return { row: existing, created: false };
  }
}
