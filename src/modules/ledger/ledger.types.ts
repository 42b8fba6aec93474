import type { Currency } from '../../common/money/units.js';
import type { AuditActor } from '../audit/audit.service.js';
import type { AccountRef, CustomerBucket, PlatformAccount } from './ledger.accounts.js';

/** One posting of an entry: `amount` is the signed change of the account's balance in minor units (sats or micro-USD). */
export interface LedgerLine {
  account: AccountRef;
  amount: bigint;
}

/** A journal entry to post. Its lines must sum to zero per currency. */
export interface PostEntryInput {
  /** What happened, lower snake case with dots: 'deposit', 'contract.purchase', 'settlement.daily'. */
  type: string;
  /**
   * Unique per business event (at most 200 characters): a replay with the same key and the same
   * content returns the first entry and moves nothing; the same key with other content is a 409.
   */
  idempotencyKey: string;
  /** Shown to people (statements): an external reference, a contract id. At most 200 characters. */
  reference?: string | null;
  actor: AuditActor;
  lines: LedgerLine[];
}

export interface PostedEntry {
  entryId: string;
  /** True when the key had been posted before: nothing moved this time. */
  replayed: boolean;
  postedAt: Date;
}

/** Many entries by one actor, written set-based in one call (settlement). */
export interface PostBulkInput {
  actor: AuditActor;
  entries: Omit<PostEntryInput, 'actor'>[];
}

/** A two-line entry: `amount` (> 0) leaves `from` and arrives in `to` (same currency). */
export interface TransferInput {
  type: string;
  idempotencyKey: string;
  reference?: string | null;
  actor: AuditActor;
  from: AccountRef;
  to: AccountRef;
  amount: bigint;
}

/** A movement between a customer's own buckets, or out of one (withdrawals). */
export interface CustomerMoveInput {
  customerId: string;
  currency: Currency;
  /** > 0, in minor units of `currency`. */
  amount: bigint;
  idempotencyKey: string;
  reference?: string | null;
  actor: AuditActor;
}

export interface SettleReservedInput extends CustomerMoveInput {
  /** Where the money goes when it leaves the customer; default 'withdrawals_in_flight'. */
  to?: PlatformAccount;
  /** Default 'withdrawal.settle'. */
  type?: string;
}

export interface RecordArrearsInput {
  customerId: string;
  /** > 0: the shortfall the customer now owes. */
  amountMicroUsd: bigint;
  /** The platform account credited with what is owed; default 'electricity_revenue'. */
  creditTo?: PlatformAccount;
  idempotencyKey: string;
  reference?: string | null;
  actor: AuditActor;
}

export interface CollectArrearsInput {
  customerId: string;
  idempotencyKey: string;
  reference?: string | null;
  actor: AuditActor;
  /** Collect at most this much (micro-USD); default everything owed. */
  maxMicroUsd?: bigint;
}

export interface CollectArrearsResult {
  /** Moved from available USD to arrears (0 when nothing was owed or nothing was available). */
  collectedMicroUsd: bigint;
  /** What the customer still owes (>= 0). */
  owedMicroUsd: bigint;
  entry: PostedEntry | null;
}

export type BucketBalances = Record<CustomerBucket, bigint>;

/** A customer's balances in minor units; accounts never used read as zero. */
export interface CustomerBalances {
  customerId: string;
  BTC: BucketBalances;
  USD: BucketBalances;
}
