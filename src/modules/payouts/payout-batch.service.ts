import { Inject, Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import type { EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { formatBtc } from '../../common/money/units.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { sqlState, TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { type BatchItemRecord, type BatchRecord, PayoutBatchRepository } from './payout-batch.repository.js';
import type { RequestContext } from './payout-guard.js';
import { PayoutLedger } from './payout-ledger.js';
import { PayoutNotifier } from './payout-notifier.js';
import { PayoutsErrors } from './payouts.errors.js';
import { WithdrawalRepository } from './withdrawal.repository.js';
import { type BatchStatus, batchSourcesOf } from './withdrawal-state.js';

/** One output of the transaction the wallet builds: all of a batch's withdrawals to one address. */
export interface BatchOutput {
  address: string;
  sats: string;
  btc: string;
  withdrawalIds: string[];
}

/** What the signing wallet receives (JSON form; the CSV has one line per output). */
export interface BatchExport {
  batchId: string;
  network: string;
  status: BatchStatus;
  createdAt: string;
  outputCount: number;
  withdrawalCount: number;
  totalSats: string;
  outputs: BatchOutput[];
}

export interface BatchDetail {
  batch: BatchRecord;
  items: BatchItemRecord[];
}

/**
 * Payout batches: collect approved withdrawals, record the sent-intent before the export
 * leaves, then record what the wallet did (broadcast txid, confirmation, or failure).
 */
@Injectable()
export class PayoutBatchService {
  constructor(
    private readonly batches: PayoutBatchRepository,
    private readonly withdrawals: WithdrawalRepository,
    private readonly ledger: PayoutLedger,
    private readonly notifier: PayoutNotifier,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates a batch in status `exported` from the oldest approved withdrawals (or the given
   * ones, which must all be approved), at most PAYOUT_BATCH_MAX_SIZE. The batch commits before
   * the export is returned, so an export never exists without its sent-intent record.
   */
  async create(
    actor: AuthenticatedUser,
    input: { withdrawalIds?: string[]; maxSize?: number },
    ctx: RequestContext,
  ): Promise<BatchDetail & { export: BatchExport }> {
    const limit = Math.min(input.maxSize ?? this.config.PAYOUT_BATCH_MAX_SIZE, this.config.PAYOUT_BATCH_MAX_SIZE);
    let batch: BatchRecord;
    try {
      batch = await this.transactions.run(async (manager) => {
        let ids: string[];
        if (input.withdrawalIds && input.withdrawalIds.length > 0) {
          const wanted = [...new Set(input.withdrawalIds)];
          if (wanted.length > this.config.PAYOUT_BATCH_MAX_SIZE) {
            throw PayoutsErrors.batchTooLarge(this.config.PAYOUT_BATCH_MAX_SIZE);
          }
          const locked = await this.batches.lockWithdrawals(wanted, manager);
          const missing = wanted.find((id) => !locked.some((row) => row.id === id));
          if (missing) throw PayoutsErrors.withdrawalNotFound();
          const notApproved = locked.find((row) => row.status !== 'approved');
          if (notApproved) throw PayoutsErrors.invalidTransition('withdrawal', notApproved.id, notApproved.status, 'batched');
          ids = wanted;
        } else {
          ids = await this.batches.lockApproved(limit, manager);
        }
        if (ids.length === 0) throw PayoutsErrors.nothingToBatch();
        const created = await this.batches.insertBatch(actor.userId, this.clock.now(), ids, manager);
        const moved = await this.batches.addItems(created.id, ids, this.clock.now(), manager);
        if (moved !== ids.length) throw new Error(`batch ${created.id}: ${moved} of ${ids.length} withdrawals moved`);
        await this.audit.record(manager, {
          actor,
          action: 'payout_batch.created',
          entityType: 'payout_batch',
          entityId: created.id,
          after: { ...created, withdrawalIds: ids },
          requestId: ctx.requestId,
        });
        return created;
      });
    } catch (error) {
      // The live-batch unique index: a withdrawal already in an unresolved batch.
      if (sqlState(error) === '23505') throw PayoutsErrors.alreadyInLiveBatch();
      throw error;
    }
    const items = await this.batches.items(batch.id);
    return { batch, items, export: this.toExport(batch, items) };
  }

  async list(query: { status?: BatchStatus; cursor?: string; limit: number }): Promise<Page<BatchRecord>> {
    const key = decodeCursor(query.cursor, 2);
    const rows = await this.batches.pageBatches({
      status: query.status,
      before: key ? { createdAt: String(key[0]), id: String(key[1]) } : undefined,
      limit: query.limit,
    });
    return toPage(rows, query.limit, (b) => [b.createdAt.toISOString(), b.id]);
  }

  async get(id: string): Promise<BatchDetail> {
    const batch = await this.batches.findBatch(id);
    if (!batch) throw PayoutsErrors.batchNotFound();
    return { batch, items: await this.batches.items(id) };
  }

  /**
   * The file for the signing wallet. Refused for a failed batch: its withdrawals were released
   * and may be paid by another batch, so its file must never be signed. Every download is audited.
   */
  async export(
    actor: AuthenticatedUser,
    id: string,
    format: 'csv' | 'json',
    ctx: RequestContext,
  ): Promise<{ body: string | BatchExport; contentType: string }> {
    const { batch, items } = await this.transactions.run(async (manager) => {
      const found = await this.batches.findBatch(id, false, manager);
      if (!found) throw PayoutsErrors.batchNotFound();
      if (found.status === 'failed') throw PayoutsErrors.invalidTransition('batch', id, found.status, 'exported');
      await this.audit.record(manager, {
        actor,
        action: 'payout_batch.exported',
        entityType: 'payout_batch',
        entityId: id,
        after: { format, status: found.status },
        requestId: ctx.requestId,
      });
      return { batch: found, items: await this.batches.items(id, manager) };
    });
    const data = this.toExport(batch, items);
    if (format === 'json') return { body: data, contentType: 'application/json; charset=utf-8' };
    const csv = stringify(
      data.outputs.map((o) => [o.address, o.sats, o.btc, o.withdrawalIds.join(' ')]),
      { header: true, columns: ['address', 'sats', 'btc', 'withdrawal_ids'] },
    );
    return { body: csv, contentType: 'text/csv; charset=utf-8' };
  }

  /** Records the txid the wallet broadcast; the batch's outcome is now known to be pending on chain. */
  async broadcast(actor: AuthenticatedUser, id: string, txid: string, ctx: RequestContext): Promise<BatchRecord> {
    try {
      return await this.transactions.run(async (manager) => {
        const now = this.clock.now();
        const updated = await this.transitionBatch(manager, id, 'broadcast', { txid, broadcast_by: actor.userId, broadcast_at: now });
        const moved = await this.batches.transitionBatchWithdrawals(id, ['batched'], 'broadcast', now, manager);
        await this.ledger.broadcast(manager, updated, moved, actor);
        await this.audit.record(manager, {
          actor,
          action: 'payout_batch.broadcast',
          entityType: 'payout_batch',
          entityId: id,
          before: { status: 'exported' },
          after: { status: 'broadcast', txid },
          requestId: ctx.requestId,
        });
        return updated;
      });
    } catch (error) {
      if (sqlState(error) === '23505') throw PayoutsErrors.txidTaken();
      throw error;
    }
  }

  /** The transaction confirmed: every withdrawal's reserved amount leaves the ledger for good. */
  async confirm(actor: AuthenticatedUser, id: string, ctx: RequestContext): Promise<BatchRecord> {
    return this.transactions.run(async (manager) => {
      const now = this.clock.now();
      const updated = await this.transitionBatch(manager, id, 'confirmed', { resolved_by: actor.userId, resolved_at: now });
      const confirmed = await this.batches.transitionBatchWithdrawals(id, ['broadcast'], 'confirmed', now, manager);
      await this.ledger.confirm(manager, updated, confirmed, actor);
      await this.audit.record(manager, {
        actor,
        action: 'payout_batch.confirmed',
        entityType: 'payout_batch',
        entityId: id,
        before: { status: 'broadcast' },
        after: { status: 'confirmed', txid: updated.txid, withdrawalIds: confirmed.map((w) => w.id) },
        requestId: ctx.requestId,
      });
      await this.notifier.withdrawalsChanged(manager, confirmed);
      return updated;
    });
  }

  /**
   * The wallet did not send it (or the transaction was dropped): every withdrawal in the batch
   * fails and its amount goes back to the customer; the batch leaves the live-batch index.
   */
  async fail(actor: AuthenticatedUser, id: string, reason: string, ctx: RequestContext): Promise<BatchRecord> {
    return this.transactions.run(async (manager) => {
      const now = this.clock.now();
      const before = await this.batches.findBatch(id, true, manager);
      if (!before) throw PayoutsErrors.batchNotFound();
      const updated = await this.transitionBatch(manager, id, 'failed', { resolved_by: actor.userId, resolved_at: now, fail_reason: reason });
      const failed = await this.batches.transitionBatchWithdrawals(id, ['batched', 'broadcast'], 'failed', now, manager);
      await this.batches.releaseItems(id, now, manager);
      await this.ledger.fail(manager, updated, failed, before.status === 'broadcast', actor);
      await this.withdrawals.subtractDailyUsageMany(failed, now, manager);
      await this.audit.record(manager, {
        actor,
        action: 'payout_batch.failed',
        entityType: 'payout_batch',
        entityId: id,
        before: { status: before.status, txid: before.txid },
        after: { status: 'failed', reason, withdrawalIds: failed.map((w) => w.id) },
        requestId: ctx.requestId,
      });
      await this.notifier.withdrawalsChanged(manager, failed, { reason });
      return updated;
    });
  }

  private async transitionBatch(
    manager: EntityManager,
    id: string,
    to: BatchStatus,
    set: Parameters<PayoutBatchRepository['transitionBatch']>[3],
  ): Promise<BatchRecord> {
    const updated = await this.batches.transitionBatch(id, batchSourcesOf(to), to, set, manager);
    if (updated) return updated;
    const current = await this.batches.findBatch(id, false, manager);
    if (!current) throw PayoutsErrors.batchNotFound();
    throw PayoutsErrors.invalidTransition('batch', id, current.status, to);
  }

  private toExport(batch: BatchRecord, items: BatchItemRecord[]): BatchExport {
    const byAddress = new Map<string, { sats: bigint; ids: string[] }>();
    for (const item of items) {
      const entry = byAddress.get(item.address) ?? { sats: 0n, ids: [] };
      entry.sats += item.netSats;
      entry.ids.push(item.withdrawalId);
      byAddress.set(item.address, entry);
    }
    const outputs = [...byAddress.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([address, { sats, ids }]) => ({ address, sats: sats.toString(), btc: formatBtc(sats), withdrawalIds: ids }));
    return {
      batchId: batch.id,
      network: this.config.BITCOIN_NETWORK,
      status: batch.status,
      createdAt: batch.createdAt.toISOString(),
      outputCount: outputs.length,
      withdrawalCount: items.length,
      totalSats: batch.totalNetSats.toString(),
      outputs,
    };
  }
}
