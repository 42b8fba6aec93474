import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { DomainError } from '../../../common/errors/domain-error.js';
import { MetricsService } from '../../../common/metrics/metrics.service.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import type { AppConfig } from '../../../config/config.schema.js';
import { sqlState } from '../../../database/transaction.js';
import { IdempotencyConflictError, InsufficientBalanceError } from '../../ledger/ledger.errors.js';
import { contractView } from '../contract.views.js';
import { IdempotencyKeyReusedError } from '../contracts.errors.js';
import { ContractsRepository } from '../contracts.repository.js';
import { PurchaseGroupWriter, type GroupState, type Outcome } from './purchase-group.writer.js';
import type { PurchaseRequest, PurchaseResult } from './purchase-rules.js';

export type { PurchaseRequest, PurchaseResult } from './purchase-rules.js';

/** Most purchases one group transaction takes; the rest wait for the next group. */
const MAX_GROUP = 100;

interface Waiting extends PurchaseRequest {
  resolve: (result: PurchaseResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Purchases. Concurrent purchases of one product are written in groups: one transaction per
 * group reads the product's terms and counters, checks each purchase in arrival order against
 * what is left, posts each accepted purchase's own ledger entry (the customer as actor) and audit
 * row, inserts the contracts, and only then reserves the group's hash rate with one guarded
 * UPDATE of the product, which holds the product's row lock for that statement and the commit.
 * So groups of one product are written side by side, CONTRACT_PURCHASE_GROUPS_PER_PRODUCT per
 * process and any number of processes, each taking whatever arrived while the ones before it
 * were being written; nothing waits on a timer.
 * When the guard finds the product changed since the read (another group filled it, an operator
 * paused or repriced it), the group rolls back and is checked again; after UNLOCKED_ATTEMPTS it
 * takes the row lock first, where the check is exact. A purchase the ledger refuses (balance) is
 * answered and the group retried without it; any unexpected failure falls back to one
 * transaction per purchase, so one request can never fail another.
 */
@Injectable()
export class ContractPurchaseService {
  private readonly logger = new Logger(ContractPurchaseService.name);
  private readonly queues = new Map<string, Waiting[]>();
  /** Group transactions in flight per product. */
  private readonly writing = new Map<string, number>();
  private readonly groupsPerProduct: number;
  private readonly groupSize: Histogram;
  private readonly fallbacks: Counter;

  constructor(
    private readonly groups: PurchaseGroupWriter,
    private readonly repository: ContractsRepository,
    metrics: MetricsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.groupsPerProduct = config.CONTRACT_PURCHASE_GROUPS_PER_PRODUCT;
    this.groupSize = new Histogram({
      name: 'contract_purchase_group_size',
      help: 'Purchases written per group transaction',
      buckets: [1, 2, 5, 10, 20, 50, 100],
      registers: [metrics.registry],
    });
    this.fallbacks = new Counter({
      name: 'contract_purchase_group_fallbacks_total',
      help: 'Purchase groups that failed and were written one purchase per transaction',
      registers: [metrics.registry],
    });
  }

  purchase(request: PurchaseRequest): Promise<PurchaseResult> {
    return new Promise<PurchaseResult>((resolve, reject) => {
      const key = request.productId.toLowerCase();
      const queue = this.queues.get(key) ?? [];
      queue.push({ ...request, productId: key, resolve, reject });
      this.queues.set(key, queue);
      this.pump(key);
    });
  }

  /** Starts group transactions for the product's waiting purchases while it has a free slot. */
  private pump(productId: string): void {
    const queue = this.queues.get(productId);
    while (queue && queue.length > 0 && (this.writing.get(productId) ?? 0) < this.groupsPerProduct) {
      const group = queue.splice(0, MAX_GROUP);
      this.writing.set(productId, (this.writing.get(productId) ?? 0) + 1);
      void this.writeGroup(productId, group)
        .catch((error: unknown) => {
          this.logger.error(`purchase group failed: ${(error as Error).message}`);
          group.forEach((w) => w.reject(error));
        })
        .finally(() => {
          const left = (this.writing.get(productId) ?? 1) - 1;
          if (left > 0) this.writing.set(productId, left);
          else this.writing.delete(productId);
          this.pump(productId);
        });
    }
    if (queue?.length === 0) this.queues.delete(productId);
  }

  private async writeGroup(productId: string, group: Waiting[]): Promise<void> {
    // Two requests with one key in one group: the first goes now, the others after it (as replays).
    const seen = new Set<string>();
    const later: Waiting[] = [];
    let pending: Waiting[] = [];
    for (const w of group) {
      const key = `${w.user.userId}:${w.idempotencyKey}`;
      if (seen.has(key)) later.push(w);
      else {
        seen.add(key);
        pending.push(w);
      }
    }
    while (pending.length > 0) {
      const state: GroupState<Waiting> = {};
      try {
        const outcomes = await this.groups.run(productId, pending, state);
        this.groupSize.observe(pending.length);
        await this.answer(outcomes);
        pending = [];
      } catch (error) {
        const conflicting = this.conflictingKey(error, state.charging ?? []);
        if (conflicting) {
          // The key was used for other content: that request is answered on its own (a 200 replay
          // or a 409), the others are written again without it.
          pending = pending.filter((w) => w !== conflicting);
          void this.single(conflicting);
          continue;
        }
        // A refusal the ledger does not attribute (a balance that does not cover a purchase names
        // no customer to the caller), or anything unexpected: one transaction per purchase, so
        // each gets its own answer and none fails another.
        if (!(error instanceof InsufficientBalanceError)) this.fallbacks.inc();
        if (!(error instanceof DomainError))
          this.logger.warn(`a purchase group of ${pending.length} fell back to single transactions: ${(error as Error).message}`);
        await Promise.all(pending.map((w) => this.single(w)));
        pending = [];
      }
    }
    for (const w of later) void this.single(w);
  }

  /** The request whose ledger idempotency key the refusal names, if it is one. */
  private conflictingKey(error: unknown, charging: Waiting[]): Waiting | undefined {
    if (!(error instanceof IdempotencyConflictError)) return undefined;
    const key = typeof error.details?.idempotencyKey === 'string' ? error.details.idempotencyKey : '';
    return charging.find((w) => `contract.purchase:${w.user.userId}:${w.idempotencyKey}` === key);
  }

  private async answer(outcomes: Outcome<Waiting>[]): Promise<void> {
    for (const o of outcomes) {
      if (o.kind === 'created') o.waiting.resolve({ contract: contractView(o.contract), replayed: false });
      else if (o.kind === 'refused') o.waiting.reject(o.error);
      else await this.findReplay(o.waiting).then((r) => (r ? o.waiting.resolve(r) : this.single(o.waiting)), o.waiting.reject);
    }
  }

  private async findReplay(w: PurchaseRequest): Promise<PurchaseResult | null> {
    const existing = await this.repository.findByKey(w.user.userId, w.idempotencyKey);
    if (!existing) return null;
    if (existing.requestFingerprint !== w.fingerprint) throw new IdempotencyKeyReusedError();
    return { contract: contractView(existing), replayed: true };
  }

  /** One purchase in its own transaction, settling the waiting request either way. */
  private async single(w: Waiting): Promise<void> {
    try {
      w.resolve(await this.purchaseAlone(w));
    } catch (error) {
      w.reject(error);
    }
  }

  /**
   * One purchase in its own transaction (a replay, a purchase the ledger refused in a group, or
   * the fallback when a group failed): a group of one, so the same statements in the same order.
   */
  async purchaseAlone(w: PurchaseRequest): Promise<PurchaseResult> {
    const replay = await this.findReplay(w);
    if (replay) return replay;
    try {
      const [outcome] = await this.groups.run(w.productId, [w]);
      if (outcome.kind === 'created') return { contract: contractView(outcome.contract), replayed: false };
      if (outcome.kind === 'refused') throw outcome.error;
    } catch (error) {
      if (!(error instanceof IdempotencyConflictError) && sqlState(error) !== '23505') throw error;
    }
    const found = await this.findReplay(w);
    if (!found) throw new Error('a purchase replay found no contract');
    return found;
  }
}
