import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface EarningsRow {
  poolId: string;
  day: string;
  amountSats: bigint;
  reference: string;
  revision: number;
  recordedAt: Date;
  updatedAt: Date;
}

export interface PayoutRow {
  id: string;
  poolId: string;
  txid: string;
  vout: number;
  amountSats: bigint;
  receivedAt: Date;
  recordedAt: Date;
}

const EARNINGS = `pool_id AS "poolId", day::text AS day, amount_sats::text AS "amountSats", reference, revision, recorded_at AS "recordedAt", updated_at AS "updatedAt"`;
const PAYOUT = `id, pool_id AS "poolId", txid, vout, amount_sats::text AS "amountSats", received_at AS "receivedAt", recorded_at AS "recordedAt"`;
const toEarnings = (r: Record<string, unknown>): EarningsRow => ({ ...(r as unknown as EarningsRow), amountSats: BigInt(r.amountSats as string) });
const toPayout = (r: Record<string, unknown>): PayoutRow => ({ ...(r as unknown as PayoutRow), amountSats: BigInt(r.amountSats as string) });

/** SQL for what pools report and pay: daily earnings and on-chain payouts. */
@Injectable()
export class SettlementInputsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insertEarnings(m: EntityManager, e: { poolId: string; day: string; amountSats: bigint; reference: string; recordedBy: string | null }): Promise<{ row: EarningsRow; created: boolean }> {
    const inserted: Record<string, unknown>[] = await m.query(
      `INSERT INTO pool_earnings (pool_id, day, amount_sats, reference, revision, recorded_by, recorded_at, updated_at)
       VALUES ($1, $2, $3, $4, 1, $5, now(), now()) ON CONFLICT (pool_id, day) DO NOTHING RETURNING ${EARNINGS}`,
      [e.poolId, e.day, e.amountSats.toString(), e.reference, e.recordedBy],
    );
    if (inserted[0]) return { row: toEarnings(inserted[0]), created: true };
    const existing: Record<string, unknown>[] = await m.query(`SELECT ${EARNINGS} FROM pool_earnings WHERE pool_id = $1 AND day = $2 FOR UPDATE`, [e.poolId, e.day]);
    return { row: toEarnings(existing[0]), created: false };
  }

  async correctEarnings(m: EntityManager, e: { poolId: string; day: string; amountSats: bigint; reference: string; recordedBy: string | null }): Promise<EarningsRow> {
    // TypeORM answers an UPDATE with [rows, count].
    const [rows]: [Record<string, unknown>[], number] = await m.query(
      `UPDATE pool_earnings SET amount_sats = $3, reference = $4, revision = revision + 1, recorded_by = $5, updated_at = now()
        WHERE pool_id = $1 AND day = $2 RETURNING ${EARNINGS}`,
      [e.poolId, e.day, e.amountSats.toString(), e.reference, e.recordedBy],
    );
    return toEarnings(rows[0]);
  }

  async findEarnings(poolId: string, day: string, m?: EntityManager): Promise<EarningsRow | null> {
    const rows: Record<string, unknown>[] = await (m ?? this.dataSource).query(`SELECT ${EARNINGS} FROM pool_earnings WHERE pool_id = $1 AND day = $2`, [poolId, day]);
    return rows[0] ? toEarnings(rows[0]) : null;
  }

  /** Pools with earnings recorded for the day. */
  async poolsWithEarningsOn(day: string): Promise<string[]> {
    const rows: { pool_id: string }[] = await this.dataSource.query(`SELECT pool_id FROM pool_earnings WHERE day = $1`, [day]);
    return rows.map((r) => r.pool_id);
  }

  async insertPayout(m: EntityManager, p: { poolId: string; txid: string; vout: number; amountSats: bigint; receivedAt: Date; recordedBy: string | null }): Promise<{ row: PayoutRow; created: boolean }> {
    const inserted: Record<string, unknown>[] = await m.query(
      `INSERT INTO pool_payouts (pool_id, txid, vout, amount_sats, received_at, recorded_by, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (txid, vout) DO NOTHING RETURNING ${PAYOUT}`,
      [p.poolId, p.txid, p.vout, p.amountSats.toString(), p.receivedAt, p.recordedBy],
    );
    if (inserted[0]) return { row: toPayout(inserted[0]), created: true };
    const existing: Record<string, unknown>[] = await m.query(`SELECT ${PAYOUT} FROM pool_payouts WHERE txid = $1 AND vout = $2`, [p.txid, p.vout]);
    return { row: toPayout(existing[0]), created: false };
  }
}
