import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { BatchStatus, WithdrawalStatus } from './withdrawal-state.js';
import { affectedCount, columnsOf, mapJoined, queryEntities, resultRows } from '../../database/data-access.js';
import { PayoutBatchItem } from './entities/payout-batch-item.entity.js';
import { PayoutBatch } from './entities/payout-batch.entity.js';
import { Withdrawal } from './entities/withdrawal.entity.js';
import { type WithdrawalRecord, toWithdrawals, withdrawalColumns } from './withdrawal.repository.js';

export type BatchRecord = PayoutBatch;

/** One line of the export handed to the signing wallet. */
export interface BatchItemRecord {
  withdrawalId: string;
  userId: string;
  address: string;
  netSats: bigint;
  amountSats: bigint;
  releasedAt: Date | null;
}

/** SQL for payout_batches and their items; every multi-row step is one set-based statement. */
@Injectable()
export class PayoutBatchRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Locks the oldest approved withdrawals (approval order), skipping rows another batch
   * creation holds, so two finance users batching at once get disjoint sets.
   */
  async lockApproved(limit: number, manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM withdrawals WHERE status = 'approved' ORDER BY approved_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** Locks the named withdrawals (in id order, so concurrent callers cannot deadlock). */
  async lockWithdrawals(ids: string[], manager: EntityManager = this.dataSource.manager): Promise<{ id: string; status: WithdrawalStatus }[]> {
    return manager.query(`SELECT id, status FROM withdrawals WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
  }

  async insertBatch(createdBy: string, now: Date, ids: string[], manager: EntityManager = this.dataSource.manager): Promise<BatchRecord> {
    const [batch] = await queryEntities(
      manager,
      PayoutBatch,
      `INSERT INTO payout_batches AS b (status, withdrawal_count, total_net_sats, total_amount_sats, created_by, created_at)
       SELECT 'exported', count(*), sum(net_sats), sum(amount_sats), $2, $3 FROM withdrawals WHERE id = ANY($1::uuid[])
       RETURNING ${columnsOf(manager, PayoutBatch, 'b')}`,
      [ids, createdBy, now],
    );
    return batch;
  }

  /**
   * Adds the withdrawals to the batch and moves them to batched in two statements. The
   * partial unique index on live items refuses a withdrawal already in a live batch.
   */
  async addItems(batchId: string, ids: string[], now: Date, manager: EntityManager = this.dataSource.manager): Promise<number> {
    await manager.query(
      `INSERT INTO payout_batch_items (batch_id, withdrawal_id, address, net_sats)
       SELECT $1, id, address, net_sats FROM withdrawals WHERE id = ANY($2::uuid[])`,
      [batchId, ids],
    );
    const result: unknown = await manager.query(
      `UPDATE withdrawals SET status = 'batched', batch_id = $1, status_changed_at = $3 WHERE id = ANY($2::uuid[]) AND status = 'approved'`,
      [batchId, ids, now],
    );
    return affectedCount(result);
  }

  async findBatch(id: string, lock = false, manager: EntityManager = this.dataSource.manager): Promise<BatchRecord | undefined> {
    const [batch] = await queryEntities(
      manager,
      PayoutBatch,
      `SELECT ${columnsOf(manager, PayoutBatch, 'b')} FROM payout_batches b WHERE b.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return batch;
  }

  async pageBatches(
    query: { status?: BatchStatus; before?: { createdAt: string; id: string }; limit: number },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<BatchRecord[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const bind = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.status) conditions.push(`b.status = ${bind(query.status)}`);
    if (query.before) conditions.push(`(b.created_at, b.id) < (${bind(query.before.createdAt)}::timestamptz, ${bind(query.before.id)}::uuid)`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    return queryEntities(
      manager,
      PayoutBatch,
      `SELECT ${columnsOf(manager, PayoutBatch, 'b')} FROM payout_batches b ${where} ORDER BY b.created_at DESC, b.id DESC LIMIT ${bind(query.limit + 1)}`,
      params,
    );
  }

  async items(batchId: string, manager: EntityManager = this.dataSource.manager): Promise<BatchItemRecord[]> {
    const raw = resultRows<Record<string, unknown>>(
      await manager.query(
        `SELECT ${columnsOf(manager, PayoutBatchItem, 'i', ['withdrawalId', 'address', 'netSats', 'releasedAt'])},
                ${columnsOf(manager, Withdrawal, 'w', ['userId', 'amountSats'])}
           FROM payout_batch_items i JOIN withdrawals w ON w.id = i.withdrawal_id
          WHERE i.batch_id = $1 ORDER BY i.withdrawal_id`,
        [batchId],
      ),
    );
    return mapJoined(manager, [PayoutBatchItem, Withdrawal], raw).map(([item, withdrawal]) => ({
      withdrawalId: item.withdrawalId,
      userId: withdrawal.userId,
      address: item.address,
      netSats: item.netSats,
      amountSats: withdrawal.amountSats,
      releasedAt: item.releasedAt,
    }));
  }

  /** Conditional batch transition; undefined when the batch is not in one of `from`. */
  async transitionBatch(
    id: string,
    from: readonly BatchStatus[],
    to: BatchStatus,
    set: { txid?: string; broadcast_by?: string; broadcast_at?: Date; resolved_by?: string; resolved_at?: Date; fail_reason?: string },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<BatchRecord | undefined> {
    const params: unknown[] = [id, [...from], to];
    const assignments = Object.entries(set).map(([column, value]) => {
      params.push(value);
      return `, ${column} = $${params.length}`;
    });
    const [batch] = await queryEntities(
      manager,
      PayoutBatch,
      `UPDATE payout_batches b SET status = $3${assignments.join('')} WHERE b.id = $1 AND b.status = ANY($2::text[]) RETURNING ${columnsOf(manager, PayoutBatch, 'b')}`,
      params,
    );
    return batch;
  }

  /** Moves every withdrawal of the batch from `from` to `to` in one statement. */
  async transitionBatchWithdrawals(
    batchId: string,
    from: readonly WithdrawalStatus[],
    to: WithdrawalStatus,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<WithdrawalRecord[]> {
    const rows: unknown = await manager.query(
      `UPDATE withdrawals w SET status = $3, status_changed_at = $4 WHERE w.batch_id = $1 AND w.status = ANY($2::text[]) RETURNING ${withdrawalColumns(manager)}`,
      [batchId, [...from], to, now],
    );
    return toWithdrawals(manager, resultRows(rows));
  }

  /** A failed batch lets go of its withdrawals: they leave the live-batch unique index. */
  async releaseItems(batchId: string, now: Date, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`UPDATE payout_batch_items SET released_at = $2 WHERE batch_id = $1 AND released_at IS NULL`, [batchId, now]);
  }
}
