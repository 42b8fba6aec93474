import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../../common/clock/clock.js';
import type { RequestContext } from '../../../common/http/request-context.js';
import { formatBtc } from '../../../common/money/units.js';
import { TransactionRunner } from '../../../database/transaction.js';
import { AuditService } from '../../audit/audit.service.js';
import { CapacityService } from '../../capacity/capacity.service.js';
import { HashrateReportsService } from '../../capacity/hashrate-reports.service.js';
import { utcDayOf } from '../../../common/clock/utc-day.js';
import { platformAccount } from '../../ledger/ledger.accounts.js';
import { LedgerService } from '../../ledger/ledger.service.js';
import { MarketService } from '../../market/market.service.js';
import type { PoolEarning } from '../entities/pool-earning.entity.js';
import type { PoolPayout } from '../entities/pool-payout.entity.js';
import { EarningsInFutureError, PoolNotFoundError, PoolPayoutConflictError } from '../settlement.errors.js';
import { SettlementInputsRepository } from './settlement-inputs.repository.js';

export interface EarningsInput {
  poolId: string;
  day: string;
  amountSats: bigint;
  reference: string;
}

export interface PayoutInput {
  poolId: string;
  txid: string;
  vout: number;
  amountSats: bigint;
  receivedAt: Date;
}

export type EarningsOutcome = 'created' | 'unchanged' | 'corrected';

export const earningsView = (e: PoolEarning) => ({
  poolId: e.poolId,
  day: e.day,
  amountSats: e.amountSats.toString(),
  amountBtc: formatBtc(e.amountSats),
  reference: e.reference,
  revision: e.revision,
  recordedAt: e.recordedAt,
  updatedAt: e.updatedAt,
});
export const payoutView = (p: PoolPayout) => ({
  id: p.id,
  poolId: p.poolId,
  txid: p.txid,
  vout: p.vout,
  amountSats: p.amountSats.toString(),
  amountBtc: formatBtc(p.amountSats),
  receivedAt: p.receivedAt,
  recordedAt: p.recordedAt,
});

/** What a (pool, day) settlement needs, or why it cannot start yet. */
export interface RunInputs {
  missing: string | null;
  earningsSats: bigint;
  earningsRevision: number;
  btcUsd: string;
  deliveredGhs: bigint | null;
  onlineGhs: bigint;
}

/**
 * Finance's inputs to settlement: a pool's earnings per day (a correction after the day settled
 * becomes an adjustment run) and the on-chain payouts that clear the pool receivable.
 * Idempotent and audited; each write is one transaction.
 */
@Injectable()
export class SettlementInputsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: SettlementInputsRepository,
    private readonly capacity: CapacityService,
    private readonly hashrateReports: HashrateReportsService,
    private readonly market: MarketService,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async assertPools(poolIds: string[], field = 'poolId'): Promise<void> {
    const unique = [...new Set(poolIds)];
    const found = await this.capacity.poolFigures(unique);
    if (found.length !== unique.length) throw new PoolNotFoundError(field);
  }

  /** Records (or corrects) earnings, several rows in one transaction: all or nothing. */
  async recordEarnings(
    ctx: RequestContext,
    inputs: EarningsInput[],
    outer?: EntityManager,
  ): Promise<{ outcome: EarningsOutcome; earnings: ReturnType<typeof earningsView> }[]> {
    const today = utcDayOf(this.clock.now());
    if (inputs.some((e) => e.day >= today)) throw new EarningsInFutureError();
    await this.assertPools(inputs.map((e) => e.poolId));
    return this.tx.run(async (m) => {
      const results: { outcome: EarningsOutcome; earnings: ReturnType<typeof earningsView> }[] = [];
      for (const input of inputs) {
        const row = { ...input, recordedBy: ctx.user.userId };
        const { row: stored, created } = await this.repository.insertEarnings(m, row);
        if (created) {
          await this.audit.record(m, {
            actor: ctx.user,
            action: 'pool_earnings.recorded',
            entityType: 'pool_earnings',
            entityId: `${input.poolId}:${input.day}`,
            after: earningsView(stored),
            requestId: ctx.requestId,
          });
          results.push({ outcome: 'created', earnings: earningsView(stored) });
        } else if (stored.amountSats === input.amountSats && stored.reference === input.reference) {
          results.push({ outcome: 'unchanged', earnings: earningsView(stored) });
        } else {
          const corrected = await this.repository.correctEarnings(m, row);
          await this.audit.record(m, {
            actor: ctx.user,
            action: 'pool_earnings.corrected',
            entityType: 'pool_earnings',
            entityId: `${input.poolId}:${input.day}`,
            before: earningsView(stored),
            after: earningsView(corrected),
            requestId: ctx.requestId,
          });
          results.push({ outcome: 'corrected', earnings: earningsView(corrected) });
        }
      }
      return results;
    }, outer);
  }

  /**
   * Records payouts: each credits the platform wallet and clears the pool receivable through the
   * ledger (idempotency key per output). The same output with other figures is a 409.
   */
  async recordPayouts(ctx: RequestContext, inputs: PayoutInput[]): Promise<{ outcome: 'created' | 'unchanged'; payout: ReturnType<typeof payoutView> }[]> {
    await this.assertPools(inputs.map((p) => p.poolId));
    return this.tx.run(async (m) => {
      const results: { outcome: 'created' | 'unchanged'; payout: ReturnType<typeof payoutView> }[] = [];
      for (const input of inputs) {
        const { row, created } = await this.repository.insertPayout(m, { ...input, recordedBy: ctx.user.userId });
        if (!created) {
          const same = row.poolId === input.poolId && row.amountSats === input.amountSats && row.receivedAt.getTime() === input.receivedAt.getTime();
          if (!same) throw new PoolPayoutConflictError(input.txid, input.vout);
          results.push({ outcome: 'unchanged', payout: payoutView(row) });
          continue;
        }
        await this.ledger.transfer(
          {
            type: 'pool.payout',
            idempotencyKey: `pool-payout:${input.txid}:${input.vout}`,
            reference: `${input.txid}:${input.vout}`,
            actor: ctx.user,
            from: platformAccount('platform_wallet', 'BTC'),
            to: platformAccount('pool_receivable', 'BTC'),
            amount: input.amountSats,
          },
          m,
        );
        await this.audit.record(m, {
          actor: ctx.user,
          action: 'pool_payout.recorded',
          entityType: 'pool_payout',
          entityId: row.id,
          after: payoutView(row),
          requestId: ctx.requestId,
        });
        results.push({ outcome: 'created', payout: payoutView(row) });
      }
      return results;
    });
  }

  findEarnings(poolId: string, day: string): Promise<PoolEarning | null> {
    return this.repository.findEarnings(poolId, day);
  }

  poolsWithEarningsOn(day: string): Promise<string[]> {
    return this.repository.poolsWithEarningsOn(day);
  }

  /** Everything a run of (pool, day) needs; `missing` says what is not recorded yet. */
  async inputsFor(poolId: string, day: string, m?: EntityManager): Promise<RunInputs> {
    const [earnings, price, report, onlineGhs] = await Promise.all([
      this.repository.findEarnings(poolId, day, m),
      this.market.priceOn(day),
      this.hashrateReports.forDay(poolId, day),
      this.capacity.onlineGhsOn(poolId, day),
    ]);
    const missing = !earnings ? `earnings of the pool for ${day} not recorded` : !price ? `BTC price for ${day} not recorded` : null;
    return {
      missing,
      earningsSats: earnings?.amountSats ?? 0n,
      earningsRevision: earnings?.revision ?? 0,
      btcUsd: price?.usdPerBtc ?? '0',
      deliveredGhs: report ? BigInt(report.deliveredGhs) : null,
      onlineGhs,
    };
  }
}
