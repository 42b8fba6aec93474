import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { TransactionRunner, sqlState } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { ghsToThs } from '../capacity/units/decimal-units.js';
import { divHalfUp } from '../capacity/units/exact-division.js';
import { addDays, utcDayOf } from '../capacity/units/utc-day.js';
import { customerAccount, platformAccount } from '../ledger/ledger.accounts.js';
import { IdempotencyConflictError, InsufficientBalanceError } from '../ledger/ledger.errors.js';
import { LedgerService } from '../ledger/ledger.service.js';
import { contractView } from './contract.views.js';
import { IdempotencyKeyReusedError, NotOnSaleError, PurchaseLimitError, SoldOutError, productNotFound } from './contracts.errors.js';
import { ContractsRepository, type ContractRow, type GroupPurchase, type ProductTerms } from './contracts.repository.js';
import { priceMicro } from './product.views.js';

/** Most purchases one group transaction takes; the rest wait for the next group. */
const MAX_GROUP = 100;
const MAX_TERMS_RETRIES = 3;

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

/** Which purchase the group transaction was charging when it failed. */
interface GroupState {
  charging?: Waiting;
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
  return divHalfUp(priceMicro(terms.upfrontPriceUsdPerTh) * hashrateGhs, 1000n);
}

/** Why a product cannot take a purchase now, or null when it can (before counting capacity). */
function refusal(p: ProductTerms, hashrateGhs: bigint, now: Date): DomainError | null {
  if (p.status !== 'active') return new NotOnSaleError('paused');
  if (p.salesStartAt.getTime() > now.getTime()) return new NotOnSaleError(`sales open at ${p.salesStartAt.toISOString()}`);
  if (p.salesEndAt !== null && p.salesEndAt.getTime() <= now.getTime()) return new NotOnSaleError(`sales closed at ${p.salesEndAt.toISOString()}`);
  if (hashrateGhs < p.minPurchaseGhs || hashrateGhs > p.maxPurchaseGhs) return new PurchaseLimitError(ghsToThs(p.minPurchaseGhs), ghsToThs(p.maxPurchaseGhs));
  return null;
}

/** Thrown inside a single purchase transaction to roll it back when a replay is discovered. */
class ReplayDiscovered extends Error {}
/** Thrown inside a single purchase transaction when the product's terms changed since they were read. */
class TermsChanged extends Error {}

/**
 * Purchases. Concurrent purchases of one product are written in groups: one transaction per
 * group takes the product's row lock once, checks each purchase in arrival order against what is
 * left, posts each accepted purchase's own ledger entry (the customer as actor) and audit row,
 * then adds the group's hash rate to the sold counter and inserts the contracts in one statement.
 * A group forms from whatever arrived while the previous one was being written, so nothing waits
 * on a timer, and one commit serves many purchases. A purchase the ledger refuses (balance) is
 * answered and the group retried without it; any unexpected failure falls back to one transaction
 * per purchase, so one request can never fail another.
 */
@Injectable()
export class ContractPurchaseService {
  private readonly logger = new Logger(ContractPurchaseService.name);
  private readonly queues = new Map<string, Waiting[]>();
  private readonly draining = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly repository: ContractsRepository,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  purchase(request: PurchaseRequest): Promise<PurchaseResult> {
    return new Promise<PurchaseResult>((resolve, reject) => {
      const key = request.productId.toLowerCase();
      const queue = this.queues.get(key) ?? [];
      queue.push({ ...request, productId: key, resolve, reject });
      this.queues.set(key, queue);
      if (!this.draining.has(key)) void this.drain(key);
    });
  }

  private async drain(productId: string): Promise<void> {
    this.draining.add(productId);
    try {
      for (let queue = this.queues.get(productId); queue && queue.length > 0; queue = this.queues.get(productId)) {
        const group = queue.splice(0, MAX_GROUP);
        await this.writeGroup(productId, group).catch((error: unknown) => {
          this.logger.error(`purchase group failed: ${(error as Error).message}`);
          group.forEach((w) => w.reject(error));
        });
      }
    } finally {
      this.queues.delete(productId);
      this.draining.delete(productId);
    }
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
        const outcomes = await this.tx.run((manager) => this.groupTransaction(manager, productId, pending, state));
        await this.answer(outcomes);
        pending = [];
      } catch (error) {
        const failed = state.charging;
        if (failed && error instanceof InsufficientBalanceError) {
          // The ledger refused this purchase: answer it and write the group again without it.
          failed.reject(error);
          pending = pending.filter((w) => w !== failed);
          continue;
        }
        if (failed && error instanceof IdempotencyConflictError) {
          pending = pending.filter((w) => w !== failed);
          void this.single(failed);
          continue;
        }
        this.logger.warn(`a purchase group of ${pending.length} fell back to single transactions: ${(error as Error).message}`);
        await Promise.all(pending.map((w) => this.single(w)));
        pending = [];
      }
    }
    for (const w of later) void this.single(w);
  }

  private async groupTransaction(manager: EntityManager, productId: string, group: Waiting[], state: GroupState): Promise<Outcome[]> {
    const terms = await this.repository.findProductTerms(manager, productId, true);
    if (!terms) return group.map((waiting) => ({ waiting, kind: 'refused', error: productNotFound() }));
    const existing = await this.repository.findByKeys(manager, group.map((w) => ({ customerId: w.user.userId, idempotencyKey: w.idempotencyKey })));
    const bought = new Set(existing.map((c) => `${c.customerId}:${c.idempotencyKey}`));
    const now = this.clock.now();
    const startDay = addDays(utcDayOf(now), 1);
    let left = terms.capacityAllocatedGhs - terms.soldGhs;
    const outcomes: Outcome[] = [];
    const accepted: { waiting: Waiting; purchase: GroupPurchase }[] = [];
    for (const waiting of group) {
      if (bought.has(`${waiting.user.userId}:${waiting.idempotencyKey}`)) {
        outcomes.push({ waiting, kind: 'replay' });
        continue;
      }
      const error = refusal(terms, waiting.hashrateGhs, now) ?? (waiting.hashrateGhs > left ? new SoldOutError(ghsToThs(left > 0n ? left : 0n)) : null);
      if (error) {
        outcomes.push({ waiting, kind: 'refused', error });
        continue;
      }
      left -= waiting.hashrateGhs;
      const purchase: GroupPurchase = {
        id: contractIdFor(waiting.user.userId, waiting.idempotencyKey),
        customerId: waiting.user.userId,
        hashrateGhs: waiting.hashrateGhs,
        pricePaidMicroUsd: purchasePrice(terms, waiting.hashrateGhs),
        idempotencyKey: waiting.idempotencyKey,
        requestFingerprint: waiting.fingerprint,
      };
      state.charging = waiting;
      const entry = await this.charge(manager, waiting, purchase);
      state.charging = undefined;
      if (entry.replayed) {
        // Posted by a transaction that committed after this group's check: a replay after all.
        left += waiting.hashrateGhs;
        outcomes.push({ waiting, kind: 'replay' });
        continue;
      }
      await this.record(manager, waiting, purchase, startDay, entry.entryId);
      accepted.push({ waiting, purchase });
    }
    if (accepted.length === 0) return outcomes;
    const contracts = await this.repository.insertGroup(manager, { terms, now, startDay, purchases: accepted.map((a) => a.purchase) });
    if (contracts.length !== accepted.length) throw new Error('the product refused a group its locked row had room for');
    const byId = new Map(contracts.map((c) => [c.id, c]));
    for (const a of accepted) outcomes.push({ waiting: a.waiting, kind: 'created', contract: byId.get(a.purchase.id) as ContractRow });
    return outcomes;
  }

  /** Debits the customer's available USD and credits sales revenue: the purchase's own ledger entry. */
  private charge(manager: EntityManager, w: PurchaseRequest, p: GroupPurchase) {
    return this.ledger.post(
      {
        type: 'contract.purchase',
        idempotencyKey: `contract.purchase:${w.user.userId}:${w.idempotencyKey}`,
        reference: p.id,
        actor: { userId: w.user.userId, role: w.user.role },
        lines: [
          { account: customerAccount(w.user.userId, 'USD'), amount: -p.pricePaidMicroUsd },
          { account: platformAccount('sales_revenue', 'USD'), amount: p.pricePaidMicroUsd },
        ],
      },
      manager,
    );
  }

  private record(manager: EntityManager, w: PurchaseRequest, p: GroupPurchase, startDay: string, ledgerEntryId: string) {
    return this.audit.record(manager, {
      actor: { userId: w.user.userId, role: w.user.role },
      action: 'contracts.purchased',
      entityType: 'contract',
      entityId: p.id,
      after: { productId: w.productId, hashrateGhs: p.hashrateGhs, pricePaidMicroUsd: p.pricePaidMicroUsd, startDay, ledgerEntryId },
      requestId: w.requestId,
    });
  }

  private async answer(outcomes: Outcome[]): Promise<void> {
    for (const o of outcomes) {
      if (o.kind === 'created') o.waiting.resolve({ contract: contractView(o.contract), replayed: false });
      else if (o.kind === 'refused') o.waiting.reject(o.error);
      else await this.findReplay(o.waiting).then((r) => (r ? o.waiting.resolve(r) : this.single(o.waiting)), o.waiting.reject);
    }
  }

  private async findReplay(w: PurchaseRequest): Promise<PurchaseResult | null> {
    const existing = await this.repository.findByKey(this.dataSource.manager, w.user.userId, w.idempotencyKey);
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
   * The one-transaction path: replay check, debit, audit, then the reserving statement last (it
   * re-checks capacity, window, limits and terms under the product's row lock).
   */
  async purchaseAlone(w: PurchaseRequest): Promise<PurchaseResult> {
    const replay = await this.findReplay(w);
    if (replay) return replay;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tx.run((manager) => this.aloneTransaction(manager, w));
      } catch (error) {
        if (error instanceof ReplayDiscovered || error instanceof IdempotencyConflictError || sqlState(error) === '23505') {
          const found = await this.findReplay(w);
          if (found) return found;
        }
        if (error instanceof TermsChanged && attempt < MAX_TERMS_RETRIES) continue;
        if (error instanceof TermsChanged) throw new NotOnSaleError('its terms are changing; try again');
        throw error;
      }
    }
  }

  private async aloneTransaction(manager: EntityManager, w: PurchaseRequest): Promise<PurchaseResult> {
    const now = this.clock.now();
    const terms = await this.repository.findProductTerms(manager, w.productId);
    if (!terms) throw productNotFound();
    const refused = refusal(terms, w.hashrateGhs, now);
    if (refused) throw refused;
    if (w.hashrateGhs > terms.capacityAllocatedGhs - terms.soldGhs) throw new SoldOutError(ghsToThs(terms.capacityAllocatedGhs - terms.soldGhs));
    const startDay = addDays(utcDayOf(now), 1);
    const purchase: GroupPurchase = {
      id: contractIdFor(w.user.userId, w.idempotencyKey),
      customerId: w.user.userId,
      hashrateGhs: w.hashrateGhs,
      pricePaidMicroUsd: purchasePrice(terms, w.hashrateGhs),
      idempotencyKey: w.idempotencyKey,
      requestFingerprint: w.fingerprint,
    };
    const entry = await this.charge(manager, w, purchase);
    if (entry.replayed) throw new ReplayDiscovered();
    await this.record(manager, w, purchase, startDay, entry.entryId);
    const contract = await this.repository.reserveAndInsert(manager, {
      id: purchase.id,
      customerId: w.user.userId,
      hashrateGhs: w.hashrateGhs,
      startDay,
      pricePaidMicroUsd: purchase.pricePaidMicroUsd,
      idempotencyKey: w.idempotencyKey,
      requestFingerprint: w.fingerprint,
      now,
      terms,
    });
    if (contract) return { contract: contractView(contract), replayed: false };
    const current = await this.repository.findProductTerms(manager, w.productId);
    if (!current) throw productNotFound();
    const why = refusal(current, w.hashrateGhs, now);
    if (why) throw why;
    if (w.hashrateGhs > current.capacityAllocatedGhs - current.soldGhs) throw new SoldOutError(ghsToThs(current.capacityAllocatedGhs - current.soldGhs));
    throw new TermsChanged();
  }
}
