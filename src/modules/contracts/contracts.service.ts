import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../../common/pagination/cursor.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { utcDayOf } from '../../common/clock/utc-day.js';
import { customerAccount, platformAccount } from '../ledger/ledger.accounts.js';
import { LedgerService } from '../ledger/ledger.service.js';
import { ContractPurchaseService, type PurchaseResult } from './purchase/contract-purchase.service.js';
import { contractHistoryView, contractView } from './contract.views.js';
import { IdempotencyKeyRequiredError, NotCancellableError, contractNotFound } from './contracts.errors.js';
import { ContractLifecycleRepository } from './contract-lifecycle.repository.js';
import { ContractsRepository, type ContractRow } from './contracts.repository.js';
import type { ContractListQueryDto, PurchaseContractDto } from './dto/contract.dto.js';
import { parseThs } from '../../common/money/units.js';

export type { PurchaseResult } from './purchase/contract-purchase.service.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Buying, reading and cancelling contracts. Purchases go through ContractPurchaseService (grouped
 * per product, one ledger entry and audit row each); any refusal writes nothing.
 */
@Injectable()
export class ContractsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: ContractsRepository,
    private readonly lifecycle: ContractLifecycleRepository,
    private readonly purchases: ContractPurchaseService,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Validates the Idempotency-Key and the amount, then buys (or replays the first purchase under that key). */
  async purchase(user: AuthenticatedUser, idempotencyKey: string | undefined, dto: PurchaseContractDto, requestId: string): Promise<PurchaseResult> {
    if (idempotencyKey === undefined || idempotencyKey === '') throw new IdempotencyKeyRequiredError('is required');
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) throw new IdempotencyKeyRequiredError('must be 1-128 letters, digits, ".", "_", ":" or "-"');
    const hashrateGhs = parseThs(dto.hashrateThs, 'hashrateThs');
    const productId = dto.productId.toLowerCase();
    return this.purchases.purchase({ user, idempotencyKey, productId, hashrateGhs, fingerprint: `${productId}:${hashrateGhs}`, requestId });
  }

  async list(user: AuthenticatedUser, query: ContractListQueryDto) {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const key = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    const rows = await this.repository.listForCustomer(user.userId, { before: key, limit, status: query.status });
    const page = toPage(rows, limit, (c) => [c.createdAt.toISOString(), c.id]);
    return { items: page.items.map(contractView), nextCursor: page.nextCursor };
  }

  /** A customer's own contract with its history; anyone else's id is a 404, so ids cannot be probed. */
  async get(user: AuthenticatedUser, id: string) {
    const contract = await this.repository.find(id);
    if (!contract || contract.customerId !== user.userId) throw contractNotFound();
    const history = await this.repository.statusHistory(id);
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
    const seen = await this.repository.find(id);
    if (!seen || seen.customerId !== user.userId) throw contractNotFound();
    return this.tx.run(async (manager) => {
      // The contract, then ledger rows, then the product (freed last, as purchases reserve last).
      const contract = (await this.repository.find(id, true, manager)) as ContractRow;
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
      await this.lifecycle.close(contract, 'cancelled', now, user.userId, 'cancelled by the customer before the start day', manager);
      const after = await this.repository.find(id, false, manager);
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
