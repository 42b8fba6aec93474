import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { WithdrawalStatus } from './withdrawal-state.js';
import { columnsOf, mapRows, queryEntities, resultRows } from '../../database/data-access.js';
import { WithdrawalDailyUsage } from './entities/withdrawal-daily-usage.entity.js';
import { Withdrawal } from './entities/withdrawal.entity.js';

/** A withdrawal as the services see it, with the batch's txid when there is one. */
export type WithdrawalRecord = Omit<Withdrawal, 'payoutAddress' | 'batch'> & { txid: string | null };

/** A withdrawal's columns (alias `w`) and its batch's txid, for SELECT and RETURNING lists. */
export function withdrawalColumns(manager: EntityManager): string {
  return `${columnsOf(manager, Withdrawal, 'w')}, (SELECT b.txid FROM payout_batches b WHERE b.id = w.batch_id) AS txid`;
}

/** Rows selected with withdrawalColumns, mapped from the entity (the txid is plain text). */
export function toWithdrawals(manager: EntityManager, raw: readonly Record<string, unknown>[]): WithdrawalRecord[] {
  return mapRows(manager, Withdrawal, raw).map((w, i) => ({ ...w, txid: (raw[i].txid as string | null) ?? null }));
}

async function queryWithdrawals(manager: EntityManager, sql: string, params: unknown[]): Promise<WithdrawalRecord[]> {
  return toWithdrawals(manager, resultRows(await manager.query(sql, params)));
}

export interface NewWithdrawal {
  userId: string;
  addressId: string;
  address: string;
  amountSats: bigint;
  feeSats: bigint;
  source: 'manual' | 'auto';
  autoDay: string | null;
  requestDay: string;
  idempotencyKey: string | null;
  requestHash: string | null;
  requiresSecondApproval: boolean;
  now: Date;
}

export interface WithdrawalPageQuery {
  userId?: string;
  status?: WithdrawalStatus;
  /** Keyset: rows strictly older than (requestedAt, id). */
  before?: { requestedAt: string; id: string };
  limit: number;
}

/** Extra columns a transition sets, by name; values are bound parameters. */
export interface TransitionSet {
  first_approver_id?: string;
  first_approved_at?: Date;
  second_approver_id?: string;
  approved_at?: Date;
  rejected_by?: string;
  reject_reason?: string;
  batch_id?: string;
}

/** SQL for withdrawals and the per-day usage that enforces the daily limit. */
@Injectable()
export class WithdrawalRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async findByIdempotencyKey(userId: string, key: string, manager: EntityManager = this.dataSource.manager): Promise<WithdrawalRecord | undefined> {
    const [row] = await queryWithdrawals(manager, `SELECT ${withdrawalColumns(manager)} FROM withdrawals w WHERE w.user_id = $1 AND w.idempotency_key = $2`, [
      userId,
      key,
    ]);
    return row;
  }

  /** Inserts a requested withdrawal; an automatic one for a (customer, day) that exists returns undefined. */
  async insert(w: NewWithdrawal, manager: EntityManager = this.dataSource.manager): Promise<WithdrawalRecord | undefined> {
    const [row] = await queryWithdrawals(
      manager,
      `INSERT INTO withdrawals AS w (user_id, address_id, address, amount_sats, fee_sats, net_sats, status, source, auto_day,
         request_day, idempotency_key, request_hash, requires_second_approval, requested_at, status_changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'requested', $7, $8, $9, $10, $11, $12, $13, $13)
       ON CONFLICT (user_id, auto_day) WHERE auto_day IS NOT NULL DO NOTHING
       RETURNING ${withdrawalColumns(manager)}`,
      [
        w.userId,
        w.addressId,
        w.address,
        w.amountSats.toString(),
        w.feeSats.toString(),
        (w.amountSats - w.feeSats).toString(),
        w.source,
        w.autoDay,
        w.requestDay,
        w.idempotencyKey,
        w.requestHash,
        w.requiresSecondApproval,
        w.now,
      ],
    );
    return row;
  }

  /**
   * Adds `amount` to the customer's usage of `day` only if the total stays within `limit`,
   * in one statement: the row lock makes concurrent requests queue, so two can never pass
   * the limit together. Returns the new total, or undefined when the limit would be passed.
   */
  async addDailyUsage(
    userId: string,
    day: string,
    amountSats: bigint,
    limitSats: bigint,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<bigint | undefined> {
    if (amountSats > limitSats) return undefined;
    const [usage] = await queryEntities(
      manager,
      WithdrawalDailyUsage,
      `INSERT INTO withdrawal_daily_usage AS u (user_id, day, amount_sats, updated_at) VALUES ($1, $2, $3, $5)
       ON CONFLICT (user_id, day) DO UPDATE SET amount_sats = u.amount_sats + EXCLUDED.amount_sats, updated_at = EXCLUDED.updated_at
         WHERE u.amount_sats + EXCLUDED.amount_sats <= $4
       RETURNING ${columnsOf(manager, WithdrawalDailyUsage, undefined, ['amountSats'])}`,
      [userId, day, amountSats.toString(), limitSats.toString(), now],
    );
    return usage?.amountSats;
  }

  /** Gives back a released withdrawal's amount to the usage of the day it was requested. */
  async subtractDailyUsage(userId: string, day: string, amountSats: bigint, now: Date, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`UPDATE withdrawal_daily_usage SET amount_sats = amount_sats - $3, updated_at = $4 WHERE user_id = $1 AND day = $2`, [
      userId,
      day,
      amountSats.toString(),
      now,
    ]);
  }

  /** The set-based form for a failed batch: one statement, amounts summed per (customer, day). */
  async subtractDailyUsageMany(
    withdrawals: readonly Pick<WithdrawalRecord, 'userId' | 'requestDay' | 'amountSats'>[],
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    if (withdrawals.length === 0) return;
    await manager.query(
      `UPDATE withdrawal_daily_usage u SET amount_sats = u.amount_sats - d.total, updated_at = $4
         FROM (SELECT user_id, day, sum(amount) AS total
                 FROM unnest($1::uuid[], $2::date[], $3::bigint[]) AS r(user_id, day, amount)
                GROUP BY user_id, day) d
        WHERE u.user_id = d.user_id AND u.day = d.day`,
      [withdrawals.map((w) => w.userId), withdrawals.map((w) => w.requestDay), withdrawals.map((w) => w.amountSats.toString()), now],
    );
  }

  async dailyUsage(userId: string, day: string, manager: EntityManager = this.dataSource.manager): Promise<bigint> {
    const [usage] = await queryEntities(
      manager,
      WithdrawalDailyUsage,
      `SELECT ${columnsOf(manager, WithdrawalDailyUsage, undefined, ['amountSats'])} FROM withdrawal_daily_usage WHERE user_id = $1 AND day = $2`,
      [userId, day],
    );
    return usage?.amountSats ?? 0n;
  }

  async findById(
    id: string,
    options: { userId?: string; lock?: boolean } = {},
    manager: EntityManager = this.dataSource.manager,
  ): Promise<WithdrawalRecord | undefined> {
    const params: unknown[] = [id];
    let where = 'w.id = $1';
    if (options.userId) {
      params.push(options.userId);
      where += ' AND w.user_id = $2';
    }
    const [row] = await queryWithdrawals(
      manager,
      `SELECT ${withdrawalColumns(manager)} FROM withdrawals w WHERE ${where}${options.lock ? ' FOR UPDATE OF w' : ''}`,
      params,
    );
    return row;
  }

  /** Newest first, keyset-paginated on (requested_at, id); fetches limit + 1 rows. */
  async page(query: WithdrawalPageQuery, manager: EntityManager = this.dataSource.manager): Promise<WithdrawalRecord[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const bind = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.userId) conditions.push(`w.user_id = ${bind(query.userId)}`);
    if (query.status) conditions.push(`w.status = ${bind(query.status)}`);
    if (query.before) conditions.push(`(w.requested_at, w.id) < (${bind(query.before.requestedAt)}::timestamptz, ${bind(query.before.id)}::uuid)`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    return queryWithdrawals(
      manager,
      `SELECT ${withdrawalColumns(manager)} FROM withdrawals w ${where} ORDER BY w.requested_at DESC, w.id DESC LIMIT ${bind(query.limit + 1)}`,
      params,
    );
  }

  /**
   * Moves one withdrawal to `to` only if it is in one of `from` (and belongs to `userId` when
   * given): a conditional UPDATE, so two concurrent transitions cannot both succeed.
   */
  async transition(
    id: string,
    from: readonly WithdrawalStatus[],
    to: WithdrawalStatus,
    now: Date,
    set: TransitionSet = {},
    userId?: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<WithdrawalRecord | undefined> {
    const params: unknown[] = [id, [...from], to, now];
    const assignments = Object.entries(set).map(([column, value]) => {
      params.push(value);
      return `${column} = $${params.length}`;
    });
    let where = 'w.id = $1 AND w.status = ANY($2::text[])';
    if (userId) {
      params.push(userId);
      where += ` AND w.user_id = $${params.length}`;
    }
    const [row] = await queryWithdrawals(
      manager,
      `UPDATE withdrawals w SET status = $3, status_changed_at = $4${assignments.map((a) => `, ${a}`).join('')} WHERE ${where} RETURNING ${withdrawalColumns(manager)}`,
      params,
    );
    return row;
  }

  /** First of two approvals: recorded while the withdrawal stays requested. */
  async recordFirstApproval(
    id: string,
    approverId: string,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<WithdrawalRecord | undefined> {
    const [row] = await queryWithdrawals(
      manager,
      `UPDATE withdrawals w SET first_approver_id = $2, first_approved_at = $3
       WHERE w.id = $1 AND w.status = 'requested' AND w.first_approver_id IS NULL RETURNING ${withdrawalColumns(manager)}`,
      [id, approverId, now],
    );
    return row;
  }
}
