import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../../common/clock/clock.js';
import { addDays, utcDayOf } from '../../../common/clock/utc-day.js';
import type { DomainError } from '../../../common/errors/domain-error.js';
import { MetricsService } from '../../../common/metrics/metrics.service.js';
import { formatThs } from '../../../common/money/units.js';
import { TransactionRunner } from '../../../database/transaction.js';
import { AuditService, SYSTEM_ACTOR } from '../../audit/audit.service.js';
import { LedgerService } from '../../ledger/ledger.service.js';
import { SoldOutError, productNotFound } from '../contracts.errors.js';
import { ContractsRepository, type ContractRow, type GroupPurchase } from '../contracts.repository.js';
import { contractIdFor, purchaseAuditRecord, purchaseEntry, purchasePrice, refusal, type PurchaseRequest } from './purchase-rules.js';

/** Checks against an unlocked read before a group takes the product's row lock first. */
const UNLOCKED_ATTEMPTS = 3;

/**
 * The product changed between a group's read and its reservation (filled up, or its terms or
 * status changed): the group's transaction rolls back and the group is checked again.
 */
class ProductChangedError extends Error {
  constructor() {
    super('the product changed while the purchase group was written');
  }
}

/** The purchases the group transaction was charging when it failed. */
export interface GroupState<W> {
  charging?: W[];
}

export type Outcome<W> = { waiting: W } & ({ kind: 'created'; contract: ContractRow } | { kind: 'replay' } | { kind: 'refused'; error: DomainError });

/**
 * One purchase group's transaction: reads the product's terms and counters, checks each purchase
 * in arrival order against what is left, posts each accepted purchase's own ledger entry and
 * audit row, inserts the contracts, and only then reserves the group's hash rate with one guarded
 * UPDATE of the product (its row lock held for that statement and the commit only).
 */
@Injectable()
export class PurchaseGroupWriter {
  private readonly rechecks: Counter;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: ContractsRepository,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    metrics: MetricsService,
  ) {
    this.rechecks = new Counter({
      name: 'contract_purchase_group_rechecks_total',
      help: 'Purchase groups rolled back and checked again because their product changed after it was read',
      registers: [metrics.registry],
    });
  }

  /**
   * The group's transaction, checked against an unlocked read; when the product changed before
   * the reservation, again, and after UNLOCKED_ATTEMPTS with the product's row locked first.
   */
  async run<W extends PurchaseRequest>(productId: string, group: W[], state: GroupState<W> = {}): Promise<Outcome<W>[]> {
    for (let attempt = 1; ; attempt++) {
      const lockFirst = attempt > UNLOCKED_ATTEMPTS;
      try {
        return await this.tx.run((manager) => this.groupTransaction(manager, productId, group, state, lockFirst));
      } catch (error) {
        if (!(error instanceof ProductChangedError) || lockFirst) throw error;
        this.rechecks.inc();
      }
    }
  }

  private async groupTransaction<W extends PurchaseRequest>(
    manager: EntityManager,
    productId: string,
    group: W[],
    state: GroupState<W>,
    lockFirst: boolean,
  ): Promise<Outcome<W>[]> {
    const read = await this.repository.readForGroup(
      productId,
      group.map((w) => ({ customerId: w.user.userId, idempotencyKey: w.idempotencyKey })),
      lockFirst,
      manager,
    );
    if (!read) return group.map((waiting) => ({ waiting, kind: 'refused', error: productNotFound() }));
    const { terms, bought } = read;
    const now = this.clock.now();
    const startDay = addDays(utcDayOf(now), 1);
    let left = terms.capacityAllocatedGhs - terms.soldGhs;
    const outcomes: Outcome<W>[] = [];
    const checked: { waiting: W; purchase: GroupPurchase }[] = [];
    for (const waiting of group) {
      if (bought.has(`${waiting.user.userId}:${waiting.idempotencyKey}`)) {
        outcomes.push({ waiting, kind: 'replay' });
        continue;
      }
      const error = refusal(terms, waiting.hashrateGhs, now) ?? (waiting.hashrateGhs > left ? new SoldOutError(formatThs(left > 0n ? left : 0n)) : null);
      if (error) {
        outcomes.push({ waiting, kind: 'refused', error });
        continue;
      }
      left -= waiting.hashrateGhs;
      checked.push({
        waiting,
        purchase: {
          id: contractIdFor(waiting.user.userId, waiting.idempotencyKey),
          customerId: waiting.user.userId,
          hashrateGhs: waiting.hashrateGhs,
          pricePaidMicroUsd: purchasePrice(terms, waiting.hashrateGhs),
          idempotencyKey: waiting.idempotencyKey,
          requestFingerprint: waiting.fingerprint,
        },
      });
    }
    // One set-based statement posts every accepted purchase's own entry (balanced and idempotent
    // per entry; it locks balance rows in one global order). A refusal of any of them fails the
    // statement; the caller learns which from the error or falls back to one transaction each.
    state.charging = checked.map((c) => c.waiting);
    const buyers = new Set(checked.map((c) => c.waiting.user.userId));
    const actor = buyers.size === 1 ? { userId: checked[0].waiting.user.userId, role: checked[0].waiting.user.role } : SYSTEM_ACTOR;
    const entries =
      checked.length === 0 ? [] : await this.ledger.postBulk({ actor, entries: checked.map((c) => purchaseEntry(c.waiting, c.purchase)) }, manager);
    state.charging = undefined;
    const accepted: { waiting: W; purchase: GroupPurchase; entryId: string }[] = [];
    checked.forEach((c, i) => {
      // Replayed: posted by a transaction that committed after this group's check, a replay after all.
      if (entries[i].replayed) outcomes.push({ waiting: c.waiting, kind: 'replay' });
      else accepted.push({ ...c, entryId: entries[i].entryId });
    });
    if (accepted.length === 0) return outcomes;
    await this.audit.recordMany(
      manager,
      accepted.map((a) => purchaseAuditRecord(a.waiting, a.purchase, startDay, a.entryId)),
    );
    const contracts = await this.repository.insertContracts({ terms, now, startDay, purchases: accepted.map((a) => a.purchase) }, manager);
    // Last: the product's row lock is held from here to the commit only.
    if (
      !(await this.repository.reserveCapacity(
        terms,
        now,
        accepted.map((a) => a.purchase.hashrateGhs),
        manager,
      ))
    ) {
      if (lockFirst) throw new Error('the product refused a group its locked row had room for');
      throw new ProductChangedError();
    }
    const byId = new Map(contracts.map((c) => [c.id, c]));
    for (const a of accepted) outcomes.push({ waiting: a.waiting, kind: 'created', contract: byId.get(a.purchase.id) as ContractRow });
    return outcomes;
  }
}
