import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { createHash } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { TransactionRunner, sqlState } from '../../database/transaction.js';
import { AuditService, SYSTEM_ACTOR, type AuditRecord } from '../audit/audit.service.js';
import { divide } from '../../common/money/rounding.js';
import { formatThs } from '../../common/money/units.js';
import { addDays, utcDayOf } from '../../common/clock/utc-day.js';
import { customerAccount, platformAccount } from '../ledger/ledger.accounts.js';
import { IdempotencyConflictError, InsufficientBalanceError } from '../ledger/ledger.errors.js';
import { LedgerService } from '../ledger/ledger.service.js';
import type { PostEntryInput } from '../ledger/ledger.types.js';
import { contractView } from './contract.views.js';
import { IdempotencyKeyReusedError, NotOnSaleError, PurchaseLimitError, SoldOutError, productNotFound } from './contracts.errors.js';
import { ContractsRepository, type ContractRow, type GroupPurchase, type ProductTerms } from './contracts.repository.js';
import { priceMicro } from './product.views.js';

/** Most purchases one group transaction takes; the rest wait for the next group. */
const MAX_GROUP = 100;
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

export interface PurchaseRequest {
  user: AuthenticatedUser;
  idempotencyKey: string;
  productId: string;
  hashrateGhs: bigint;
  /** What was asked: the same key with another fingerprint is a 409. */
  fingerprint: string;
  requestId: string;
}

export interface PurchaseResult {
  contract: ReturnType<typeof contractView>;
  replayed: boolean;
}

interface Waiting extends PurchaseRequest {
  resolve: (result: PurchaseResult) => void;
  reject: (error: unknown) => void;
}

/** The purchases the group transaction was charging when it failed. */
interface GroupState {
  charging?: Waiting[];
}

type Outcome = { waiting: Waiting } & ({ kind: 'created'; contract: ContractRow } | { kind: 'replay' } | { kind: 'refused'; error: DomainError });

/**
 * The contract's id follows from (customer, Idempotency-Key) (a name-based UUID, version 5 layout):
 * replays build the very same ledger entry and contract, so the ledger and the primary key
 * recognise them as one purchase.
 */
export function contractIdFor(customerId: string, idempotencyKey: string): string {
  const hex = createHash('sha256').update(`contract:${customerId}:${idempotencyKey}`).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** upfront USD per TH/s x TH/s, rounded half-up to the micro-dollar (the same rule as the quote). */
export function purchasePrice(terms: Pick<ProductTerms, 'upfrontPriceUsdPerTh'>, hashrateGhs: bigint): bigint {
  return divide(priceMicro(terms.upfrontPriceUsdPerTh) * hashrateGhs, 1000n, 'half-up');
}

/** Why a product cannot take a purchase now, or null when it can (before counting capacity). */
function refusal(p: ProductTerms, hashrateGhs: bigint, now: Date): DomainError | null {
  if (p.status !== 'active') return new NotOnSaleError('paused');
  if (p.salesStartAt.getTime() > now.getTime()) return new NotOnSaleError(`sales open at ${p.salesStartAt.toISOString()}`);
  if (p.salesEndAt !== null && p.salesEndAt.getTime() <= now.getTime()) return new NotOnSaleError(`sales closed at ${p.salesEndAt.toISOString()}`);
  if (hashrateGhs < p.minPurchaseGhs || hashrateGhs > p.maxPurchaseGhs) return new PurchaseLimitError(formatThs(p.minPurchaseGhs), formatThs(p.maxPurchaseGhs));
  return null;
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
  private readonly rechecks: Counter;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: ContractsRepository,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
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
    this.rechecks = new Counter({
      name: 'contract_purchase_group_rechecks_total',
      help: 'Purchase groups rolled back and checked again because their product changed after it was read',
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
      const state: GroupState = {};
      try {
        const outcomes = await this.runGroup(productId, pending, state);
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
        if (!(error instanceof DomainError)) this.logger.warn(`a purchase group of ${pending.length} fell back to single transactions: ${(error as Error).message}`);
        await Promise.all(pending.map((w) => this.single(w)));
        pending = [];
      }
    }
    for (const w of later) void this.single(w);
  }

  /**
   * The group's transaction, checked against an unlocked read; when the product changed before
   * the reservation, again, and after UNLOCKED_ATTEMPTS with the product's row locked first.
   */
  private async runGroup(productId: string, group: Waiting[], state: GroupState): Promise<Outcome[]> {
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

  /** The request whose ledger idempotency key the refusal names, if it is one. */
  private conflictingKey(error: unknown, charging: Waiting[]): Waiting | undefined {
    if (!(error instanceof IdempotencyConflictError)) return undefined;
    const key = String(error.details?.idempotencyKey ?? '');
    return charging.find((w) => `contract.purchase:${w.user.userId}:${w.idempotencyKey}` === key);
  }

  private async groupTransaction(manager: EntityManager, productId: string, group: Waiting[], state: GroupState, lockFirst: boolean): Promise<Outcome[]> {
    const read = await this.repository.readForGroup(productId, group.map((w) => ({ customerId: w.user.userId, idempotencyKey: w.idempotencyKey })), lockFirst, manager);
    if (!read) return group.map((waiting) => ({ waiting, kind: 'refused', error: productNotFound() }));
    const { terms, bought } = read;
    const now = this.clock.now();
    const startDay = addDays(utcDayOf(now), 1);
    let left = terms.capacityAllocatedGhs - terms.soldGhs;
    const outcomes: Outcome[] = [];
    const checked: { waiting: Waiting; purchase: GroupPurchase }[] = [];
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
    const entries = checked.length === 0 ? [] : await this.ledger.postBulk({ actor, entries: checked.map((c) => this.entry(c.waiting, c.purchase)) }, manager);
    state.charging = undefined;
    const accepted: { waiting: Waiting; purchase: GroupPurchase; entryId: string }[] = [];
    checked.forEach((c, i) => {
      // Replayed: posted by a transaction that committed after this group's check, a replay after all.
      if (entries[i].replayed) outcomes.push({ waiting: c.waiting, kind: 'replay' });
      else accepted.push({ ...c, entryId: entries[i].entryId });
    });
    if (accepted.length === 0) return outcomes;
    await this.audit.recordMany(manager, accepted.map((a) => this.auditRecord(a.waiting, a.purchase, startDay, a.entryId)));
    const contracts = await this.repository.insertContracts({ terms, now, startDay, purchases: accepted.map((a) => a.purchase) }, manager);
    // Last: the product's row lock is held from here to the commit only.
    if (!(await this.repository.reserveCapacity(terms, now, accepted.map((a) => a.purchase.hashrateGhs), manager))) {
      if (lockFirst) throw new Error('the product refused a group its locked row had room for');
      throw new ProductChangedError();
    }
    const byId = new Map(contracts.map((c) => [c.id, c]));
    for (const a of accepted) outcomes.push({ waiting: a.waiting, kind: 'created', contract: byId.get(a.purchase.id) as ContractRow });
    return outcomes;
  }

  /**
   * The purchase's own ledger entry: the customer's available USD debited, sales revenue credited,
   * keyed by (customer, Idempotency-Key) and referencing the contract. Posted in bulk, with one
   * actor per call: the customer when the group holds one buyer (always so for a single
   * purchase), else the platform, which executes the group; the customer who bought is in every
   * case the actor of the purchase's audit row, which names the entry.
   */
  private entry(w: PurchaseRequest, p: GroupPurchase): Omit<PostEntryInput, 'actor'> {
    return {
      type: 'contract.purchase',
      idempotencyKey: `contract.purchase:${w.user.userId}:${w.idempotencyKey}`,
      reference: p.id,
      lines: [
        { account: customerAccount(w.user.userId, 'USD'), amount: -p.pricePaidMicroUsd },
        { account: platformAccount('sales_revenue', 'USD'), amount: p.pricePaidMicroUsd },
      ],
    };
  }

  private auditRecord(w: PurchaseRequest, p: GroupPurchase, startDay: string, ledgerEntryId: string): AuditRecord {
    return {
      actor: { userId: w.user.userId, role: w.user.role },
      action: 'contracts.purchased',
      entityType: 'contract',
      entityId: p.id,
      after: { productId: w.productId, hashrateGhs: p.hashrateGhs, pricePaidMicroUsd: p.pricePaidMicroUsd, startDay, ledgerEntryId },
      requestId: w.requestId,
    };
  }

  private async answer(outcomes: Outcome[]): Promise<void> {
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
      const [outcome] = await this.runGroup(w.productId, [w as Waiting], {});
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
