import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../../common/http/request-context.js';
import { Clock } from '../../common/clock/clock.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { divide } from '../../common/money/rounding.js';
import { formatUsd } from '../../common/money/units.js';
import { utcDayOf } from '../../common/clock/utc-day.js';
import { customerAccount, platformAccount } from '../ledger/ledger.accounts.js';
import { LedgerService, MAX_BULK_ENTRIES } from '../ledger/ledger.service.js';
import { productNotFound } from './contracts.errors.js';
import { ContractLifecycleRepository } from './contract-lifecycle.repository.js';
import type { ContractRow } from './contracts.repository.js';
import { ProductsRepository } from './products.repository.js';

const DAY_MS = 86_400_000;

/** Whole UTC days from `from` to `to`, both 'YYYY-MM-DD'. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * The first day a contract ending today is no longer delivered: today, or its start day when
 * it has not started. The repository writes the same day as the contract's stopped_on, and
 * settlement settles every day before it.
 */
export function stoppedOn(c: Pick<ContractRow, 'startDay'>, today: string): string {
  return today > c.startDay ? today : c.startDay;
}

/**
 * Days of a contract not delivered if it ends now: from its stopped_on day through its end day
 * (today's output is not delivered to a terminated contract); the whole term before it starts.
 * Settled days (before stopped_on) and these cover the contract's days exactly.
 */
export function undeliveredDays(c: Pick<ContractRow, 'startDay' | 'endDay' | 'termDays'>, today: string): number {
  return Math.max(0, Math.min(c.termDays, daysBetween(stoppedOn(c, today), c.endDay) + 1));
}

/** Pro-rata refund: price x undelivered days / term days, rounded half-up to the micro-dollar. */
export function proRataRefund(c: Pick<ContractRow, 'pricePaidMicroUsd' | 'termDays'>, undelivered: number): bigint {
  return divide(c.pricePaidMicroUsd * BigInt(undelivered), BigInt(c.termDays), 'half-up');
}

/**
 * An operator ends every live contract of a product early: the product is paused, each contract
 * is terminated and refunded pro rata for the days it will not be delivered (set-based ledger
 * postings, one idempotent entry per contract), all in one transaction, audited.
 */
@Injectable()
export class ContractTerminationService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly contracts: ContractLifecycleRepository,
    private readonly products: ProductsRepository,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async terminateProduct(ctx: RequestContext, productId: string, reason: string) {
    const now = this.clock.now();
    const today = utcDayOf(now);
    const actor = { userId: ctx.user.userId, role: ctx.user.role };
    return this.tx.run(async (manager) => {
      const product = await this.products.find(productId, true, manager);
      if (!product) throw productNotFound();
      if (product.status !== 'paused') {
        product.status = 'paused';
        await this.products.save(product, manager);
      }
      const live = await this.contracts.lockLiveForProduct(productId, manager);
      const refunds = live.map((c) => ({ contract: c, days: undeliveredDays(c, today) })).map((r) => ({ ...r, amount: proRataRefund(r.contract, r.days) }));
      const payable = refunds.filter((r) => r.amount > 0n);
      for (let i = 0; i < payable.length; i += MAX_BULK_ENTRIES) {
        await this.ledger.postBulk(
          {
            actor,
            entries: payable.slice(i, i + MAX_BULK_ENTRIES).map((r) => ({
              type: 'contract.refund',
              idempotencyKey: `contract.terminate:${r.contract.id}`,
              reference: r.contract.id,
              lines: [
                { account: platformAccount('refunds', 'USD'), amount: -r.amount },
                { account: customerAccount(r.contract.customerId, 'USD'), amount: r.amount },
              ],
            })),
          },
          manager,
        );
      }
      const terminated = await this.contracts.terminate(
        live.map((c) => c.id),
        now,
        ctx.user.userId,
        reason,
        manager,
      );
      const totalRefund = refunds.reduce((sum, r) => sum + r.amount, 0n);
      const summary = {
        productId,
        reason,
        terminated,
        refundedUsd: formatUsd(totalRefund),
        contracts: refunds.map((r) => ({ id: r.contract.id, undeliveredDays: r.days, refundUsd: formatUsd(r.amount) })),
      };
      await this.audit.record(manager, {
        actor,
        action: 'contracts.terminated',
        entityType: 'product',
        entityId: productId,
        after: summary,
        requestId: ctx.requestId,
      });
      return summary;
    });
  }
}
