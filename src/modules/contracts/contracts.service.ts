import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../../common/pagination/cursor.js';
import { TransactionRunner, sqlState } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { ghsToThs, thsToGhs } from '../capacity/units/decimal-units.js';
import { divHalfUp } from '../capacity/units/exact-division.js';
import { addDays, utcDayOf } from '../capacity/units/utc-day.js';
import { customerAccount, platformAccount } from '../ledger/ledger.accounts.js';
import { IdempotencyConflictError } from '../ledger/ledger.errors.js';
import { LedgerService } from '../ledger/ledger.service.js';
import { contractHistoryView, contractView } from './contract.views.js';
import {
  IdempotencyKeyRequiredError,
  IdempotencyKeyReusedError,
  NotCancellableError,
  NotOnSaleError,
  PurchaseLimitError,
  SoldOutError,
  contractNotFound,
  productNotFound,
} from './contracts.errors.js';
import { ContractsRepository, type ContractRow, type ProductTerms } from './contracts.repository.js';
import type { ContractListQueryDto, PurchaseContractDto } from './dto/contract.dto.js';
import { priceMicro } from './product.views.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_TERMS_RETRIES = 3;
const TERMS_CACHE_MS = 1000;

/**
 * The contract's id follows from (customer, Idempotency-Key) (a name-based UUID, version 5 layout):
 * concurrent replays build the very same ledger entry and contract, so the ledger and the primary
 * key recognise them as one purchase.
 */
export function contractIdFor(customerId: string, idempotencyKey: string): string {
  const hex = createHash('sha256').update(`contract:${customerId}:${idempotencyKey}`).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Thrown inside a purchase transaction to roll it back when a replay is discovered. */
class ReplayDiscovered extends Error {}
/** Thrown inside a purchase transaction when the product's terms changed since they were read. */
class TermsChanged extends Error {}

export interface PurchaseResult {
  contract: ReturnType<typeof contractView>;
  replayed: boolean;
}

/**
 * Buying and cancelling contracts. A purchase is one transaction: debit the customer's USD
 * through the ledger (sales revenue credited), audit, then reserve the hash rate on the product
 * and insert the contract in one statement, last, so the product's row lock is held only for
 * that statement and the commit. Any refusal rolls everything back: nothing is written.
 */
@Injectable()
export class ContractsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly repository: ContractsRepository,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  private readonly termsCache = new Map<string, { terms: ProductTerms; until: number }>();

  async purchase(user: AuthenticatedUser, idempotencyKey: string | undefined, dto: PurchaseContractDto, requestId: string): Promise<PurchaseResult> {
    if (idempotencyKey === undefined || idempotencyKey === '') throw new IdempotencyKeyRequiredError('is required');
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) throw new IdempotencyKeyRequiredError('must be 1-128 letters, digits, ".", "_", ":" or "-"');
    const hashrateGhs = thsToGhs(dto.hashrateThs, 'hashrateThs');
    const fingerprint = `${dto.productId.toLowerCase()}:${hashrateGhs}`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.purchaseOnce(user, idempotencyKey, dto.productId, hashrateGhs, fingerprint, requestId, attempt > 1);
      } catch (error) {
        // A replay: the ledger recognised the entry (same key), or the contract's key is taken.
        if (error instanceof ReplayDiscovered || error instanceof IdempotencyConflictError || sqlState(error) === '23505') {
          const found = await this.findReplay(user.userId, idempotencyKey, fingerprint);
          if (found) return found;
        }
        if (error instanceof TermsChanged && attempt < MAX_TERMS_RETRIES) continue;
        if (error instanceof TermsChanged) throw new NotOnSaleError('its terms are changing; try again');
        throw error;
      }
    }
  }

  private async findReplay(customerId: string, idempotencyKey: string, fingerprint: string): Promise<PurchaseResult | null> {
    const existing = await this.repository.findByKey(this.dataSource.manager, customerId, idempotencyKey);
    if (!existing) return null;
    if (existing.requestFingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
    return { contract: contractView(existing), replayed: true };
  }

  /**
   * The product's terms, from a one-second cache: the reserving UPDATE re-checks every term, the
   * window and the capacity under the row lock, so a stale entry can only cost a retry, never a
   * wrong price or an oversale. A refusal is never decided on cached figures.
   */
  private async terms(productId: string, fresh: boolean): Promise<ProductTerms> {
    const cached = this.termsCache.get(productId);
    if (!fresh && cached && cached.until > Date.now()) return cached.terms;
    const terms = await this.repository.findProductTerms(this.dataSource.manager, productId);
    if (!terms) throw productNotFound();
    this.termsCache.set(productId, { terms, until: Date.now() + TERMS_CACHE_MS });
    if (this.termsCache.size > 10_000) this.termsCache.clear();
    return terms;
  }

  private async purchaseOnce(user: AuthenticatedUser, idempotencyKey: string, productId: string, hashrateGhs: bigint, fingerprint: string, requestId: string, fresh: boolean): Promise<PurchaseResult> {
    const now = this.clock.now();
    let terms = await this.terms(productId, fresh);
    try {
      this.assertPurchasable(terms, hashrateGhs, now);
    } catch (error) {
      if (fresh) throw error;
      terms = await this.terms(productId, true);
      this.assertPurchasable(terms, hashrateGhs, now);
    }
    // upfront USD per TH/s x TH/s, rounded half-up to the micro-dollar (the same rule as the quote)
    const price = divHalfUp(priceMicro(terms.upfrontPriceUsdPerTh) * hashrateGhs, 1000n);
    const startDay = addDays(utcDayOf(now), 1);
    const contractId = contractIdFor(user.userId, idempotencyKey);
    const actor = { userId: user.userId, role: user.role };

    return this.tx.run(async (manager) => {
      const entry = await this.ledger.post(
        {
          type: 'contract.purchase',
          idempotencyKey: `contract.purchase:${user.userId}:${idempotencyKey}`,
          reference: contractId,
          actor,
          lines: [
            { account: customerAccount(user.userId, 'USD'), amount: -price },
            { account: platformAccount('sales_revenue', 'USD'), amount: price },
          ],
        },
        manager,
      );
      if (entry.replayed) throw new ReplayDiscovered();
      await this.audit.record(manager, {
        actor,
        action: 'contracts.purchased',
        entityType: 'contract',
        entityId: contractId,
        after: { productId, hashrateGhs, pricePaidMicroUsd: price, startDay, ledgerEntryId: entry.entryId },
        requestId,
      });
      // Last statement before the commit: the product's row lock is held as briefly as possible.
      const contract = await this.repository.reserveAndInsert(manager, {
        id: contractId,
        customerId: user.userId,
        hashrateGhs,
        startDay,
        pricePaidMicroUsd: price,
        idempotencyKey,
        requestFingerprint: fingerprint,
        now,
        terms,
      });
      if (!contract) return this.explainRefusal(manager, terms, hashrateGhs, now);
      return { contract: contractView(contract), replayed: false };
    });
  }

  private assertPurchasable(p: ProductTerms, hashrateGhs: bigint, now: Date): void {
    if (p.status !== 'active') throw new NotOnSaleError('paused');
    if (p.salesStartAt.getTime() > now.getTime()) throw new NotOnSaleError(`sales open at ${p.salesStartAt.toISOString()}`);
    if (p.salesEndAt !== null && p.salesEndAt.getTime() <= now.getTime()) throw new NotOnSaleError(`sales closed at ${p.salesEndAt.toISOString()}`);
    if (hashrateGhs < p.minPurchaseGhs || hashrateGhs > p.maxPurchaseGhs) throw new PurchaseLimitError(ghsToThs(p.minPurchaseGhs), ghsToThs(p.maxPurchaseGhs));
    const remaining = p.capacityAllocatedGhs - p.soldGhs;
    if (hashrateGhs > remaining) throw new SoldOutError(ghsToThs(remaining > 0n ? remaining : 0n));
  }

  /** The reserving UPDATE matched nothing: say why from the product as it is now (the transaction rolls back). */
  private async explainRefusal(manager: EntityManager, read: ProductTerms, hashrateGhs: bigint, now: Date): Promise<never> {
    const current = await this.repository.findProductTerms(manager, read.id);
    if (!current) throw productNotFound();
    this.termsCache.set(read.id, { terms: current, until: Date.now() + TERMS_CACHE_MS });
    this.assertPurchasable(current, hashrateGhs, now);
    throw new TermsChanged();
  }

  async list(user: AuthenticatedUser, query: ContractListQueryDto) {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const key = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    const rows = await this.repository.listForCustomer(this.dataSource.manager, user.userId, { before: key, limit, status: query.status });
    const page = toPage(rows, limit, (c) => [c.createdAt.toISOString(), c.id]);
    return { items: page.items.map(contractView), nextCursor: page.nextCursor };
  }

  /** A customer's own contract with its history; anyone else's id is a 404, so ids cannot be probed. */
  async get(user: AuthenticatedUser, id: string) {
    const contract = await this.repository.find(this.dataSource.manager, id);
    if (!contract || contract.customerId !== user.userId) throw contractNotFound();
    const history = await this.repository.statusHistory(this.dataSource.manager, id);
    return { ...contractView(contract), history: history.map(contractHistoryView) };
  }

  /**
   * Before the start day: refunds the price in full through the ledger, frees the hash rate and
   * records why, in one transaction. Cancelling an already cancelled contract returns it as it is
   * (the refund's idempotency key makes a second refund impossible anyway); from the start day on: 409.
   */
  async cancel(user: AuthenticatedUser, id: string, requestId: string) {
    const now = this.clock.now();
    const today = utcDayOf(now);
    const actor = { userId: user.userId, role: user.role };
    return this.tx.run(async (manager) => {
      const contract = await this.repository.find(manager, id, true);
      if (!contract || contract.customerId !== user.userId) throw contractNotFound();
      if (contract.status === 'cancelled') return contractView(contract);
      if (contract.status !== 'pending' || today >= contract.startDay) {
        throw new NotCancellableError(contract.status === 'pending' ? `it started on ${contract.startDay}` : `it is ${contract.status}`);
      }
      const refund = contract.pricePaidMicroUsd;
      const entry =
        refund > 0n
          ? await this.ledger.post(
              {
                type: 'contract.refund',
                idempotencyKey: `contract.cancel:${contract.id}`,
                reference: contract.id,
                actor,
                lines: [
                  { account: platformAccount('refunds', 'USD'), amount: -refund },
                  { account: customerAccount(contract.customerId, 'USD'), amount: refund },
                ],
              },
              manager,
            )
          : null;
      await this.repository.close(manager, contract, 'cancelled', now, user.userId, 'cancelled by the customer before the start day');
      const after = await this.repository.find(manager, id);
      await this.audit.record(manager, {
        actor,
        action: 'contracts.cancelled',
        entityType: 'contract',
        entityId: id,
        before: contractView(contract),
        after: { ...contractView(after as ContractRow), refundMicroUsd: refund, ledgerEntryId: entry?.entryId ?? null },
        requestId,
      });
      return contractView(after as ContractRow);
    });
  }
}

