import type { Currency } from '../../common/money/units.js';

/**
 * Platform accounts, each in BTC and USD, seeded by the CreateLedger migration (adding one
 * here needs a migration that inserts it with its balance shards).
 * Sign convention for every account: a posting's amount is the signed change of the
 * account's balance, and each entry's postings sum to zero per currency. Customer
 * balances (available, reserved) are what the platform owes the customer; money that came in
 * from outside shows as a negative balance on the account it came through (customer_deposits
 * goes to -X when customers pay in X; pool_receivable goes negative by what pools owe us;
 * platform_wallet by the BTC we hold), and revenue accounts grow positive.
 */
export const PLATFORM_ACCOUNTS = [
  'pool_receivable',
  'electricity_revenue',
  'management_revenue',
  'house',
  'customer_deposits',
  'withdrawals_in_flight',
  'sales_revenue',
  'refunds',
  'platform_wallet',
  'network_fees',
  'adjustments',
] as const;
export type PlatformAccount = (typeof PLATFORM_ACCOUNTS)[number];

/**
 * A customer's buckets per currency: available (spendable, never below zero), reserved
 * (held for a pending withdrawal, never below zero) and arrears (USD only, never above zero:
 * what the customer owes when a day's output did not cover the electricity fee).
 */
export const CUSTOMER_BUCKETS = ['available', 'reserved', 'arrears'] as const;
export type CustomerBucket = (typeof CUSTOMER_BUCKETS)[number];

/** The buckets each currency has; arrears exist in USD only. */
export const BUCKETS_BY_CURRENCY: Readonly<Record<Currency, readonly CustomerBucket[]>> = {
  BTC: ['available', 'reserved'],
  USD: ['available', 'reserved', 'arrears'],
};

export interface CustomerAccountRef {
  customerId: string;
  currency: Currency;
  /** Default 'available'. */
  bucket?: CustomerBucket;
}

export interface PlatformAccountRef {
  platform: PlatformAccount;
  currency: Currency;
}

/** Where a posting goes: a customer's bucket (opened on first use) or a platform account. */
export type AccountRef = CustomerAccountRef | PlatformAccountRef;

/** customerAccount(id, 'USD') is the customer's available USD; pass a bucket for the others. */
export function customerAccount(customerId: string, currency: Currency, bucket: CustomerBucket = 'available'): CustomerAccountRef {
  return { customerId, currency, bucket };
}

export function platformAccount(platform: PlatformAccount, currency: Currency): PlatformAccountRef {
  return { platform, currency };
}

export function isPlatformRef(ref: AccountRef): ref is PlatformAccountRef {
  return 'platform' in ref;
}

/** A stable text form of an account reference (hashing, messages). */
export function accountKey(ref: AccountRef): string {
  return isPlatformRef(ref) ? `platform:${ref.platform}:${ref.currency}` : `customer:${ref.customerId}:${ref.currency}:${ref.bucket ?? 'available'}`;
}

export const CURRENCIES_WITH_BUCKETS = Object.keys(BUCKETS_BY_CURRENCY) as Currency[];
