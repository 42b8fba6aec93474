import { createHash } from 'node:crypto';
import type { AuthenticatedUser } from '../../../common/auth/authenticated-user.js';
import type { DomainError } from '../../../common/errors/domain-error.js';
import { divide } from '../../../common/money/rounding.js';
import { formatThs } from '../../../common/money/units.js';
import type { AuditRecord } from '../../audit/audit.service.js';
import { customerAccount, platformAccount } from '../../ledger/ledger.accounts.js';
import type { PostEntryInput } from '../../ledger/ledger.types.js';
import type { contractView } from '../contract.views.js';
import { NotOnSaleError, PurchaseLimitError } from '../contracts.errors.js';
import type { GroupPurchase, ProductTerms } from '../contracts.repository.js';
import { priceMicro } from '../product.views.js';

/* The rules of one purchase, whatever group it is written in: its id, price, refusal, ledger entry and audit row. */

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
export function refusal(p: ProductTerms, hashrateGhs: bigint, now: Date): DomainError | null {
  if (p.status !== 'active') return new NotOnSaleError('paused');
  if (p.salesStartAt.getTime() > now.getTime()) return new NotOnSaleError(`sales open at ${p.salesStartAt.toISOString()}`);
  if (p.salesEndAt !== null && p.salesEndAt.getTime() <= now.getTime()) return new NotOnSaleError(`sales closed at ${p.salesEndAt.toISOString()}`);
  if (hashrateGhs < p.minPurchaseGhs || hashrateGhs > p.maxPurchaseGhs) return new PurchaseLimitError(formatThs(p.minPurchaseGhs), formatThs(p.maxPurchaseGhs));
  return null;
}

/**
 * The purchase's own ledger entry: the customer's available USD debited, sales revenue credited,
 * keyed by (customer, Idempotency-Key) and referencing the contract. Posted in bulk, with one
 * actor per call: the customer when the group holds one buyer (always so for a single
 * purchase), else the platform, which executes the group; the customer who bought is in every
 * case the actor of the purchase's audit row, which names the entry.
 */
export function purchaseEntry(w: PurchaseRequest, p: GroupPurchase): Omit<PostEntryInput, 'actor'> {
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

export function purchaseAuditRecord(w: PurchaseRequest, p: GroupPurchase, startDay: string, ledgerEntryId: string): AuditRecord {
  return {
    actor: { userId: w.user.userId, role: w.user.role },
    action: 'contracts.purchased',
    entityType: 'contract',
    entityId: p.id,
    after: { productId: w.productId, hashrateGhs: p.hashrateGhs, pricePaidMicroUsd: p.pricePaidMicroUsd, startDay, ledgerEntryId },
    requestId: w.requestId,
  };
}
