import { DomainError } from '../../common/errors/domain-error.js';
import type { AddressProblem } from '../../common/bitcoin/bitcoin-address.js';

/** Stable codes of the payouts module; clients and tests match on the code. */
export const PayoutsErrors = {
  invalidAddress: (field: string, problem: AddressProblem, message: string) =>
    new DomainError('PAYOUTS.INVALID_ADDRESS', 'validation', `${field} ${message}`, { field, problem }),
  addressExists: () => new DomainError('PAYOUTS.ADDRESS_EXISTS', 'conflict', 'This address is already on your whitelist', { field: 'address' }),
  addressNotFound: () => new DomainError('PAYOUTS.ADDRESS_NOT_FOUND', 'not_found', 'Payout address not found'),
  addressNotWhitelisted: () =>
    new DomainError('PAYOUTS.ADDRESS_NOT_WHITELISTED', 'conflict', 'address is not on your whitelist: add it first with POST /v1/me/payout-addresses', {
      field: 'address',
    }),
  addressTimeLocked: (usableFrom: Date) =>
    new DomainError('PAYOUTS.ADDRESS_TIME_LOCKED', 'conflict', `This address is new and can be used from ${usableFrom.toISOString()}`, {
      usableFrom: usableFrom.toISOString(),
    }),
  accountTimeLocked: (until: Date) =>
    new DomainError(
      'PAYOUTS.ACCOUNT_TIME_LOCKED',
      'conflict',
      `Withdrawals are locked until ${until.toISOString()} after a recent password or two-factor change`,
      { until: until.toISOString() },
    ),
  addressOrIdRequired: () => new DomainError('VALIDATION.FAILED', 'validation', 'addressId or address is required (exactly one)', { field: 'addressId' }),
  idempotencyKeyRequired: () =>
    new DomainError('PAYOUTS.IDEMPOTENCY_KEY_REQUIRED', 'validation', 'Idempotency-Key header is required (8 to 128 letters, digits, _ or -)', {
      field: 'Idempotency-Key',
    }),
  idempotencyKeyReused: () =>
    new DomainError('PAYOUTS.IDEMPOTENCY_KEY_REUSED', 'conflict', 'This Idempotency-Key was already used with a different request body', {
      field: 'Idempotency-Key',
    }),
  belowMinimum: (minimum: string) =>
    new DomainError('PAYOUTS.BELOW_MINIMUM', 'validation', `amount must be at least ${minimum} BTC`, { field: 'amount', minimum }),
  dailyLimitExceeded: (limit: string, remaining: string) =>
    new DomainError('PAYOUTS.DAILY_LIMIT_EXCEEDED', 'conflict', `amount exceeds your daily withdrawal limit of ${limit} BTC (${remaining} BTC left today)`, {
      field: 'amount',
      limit,
      remaining,
    }),
  thresholdBelowMinimum: (minimum: string) =>
    new DomainError('PAYOUTS.BELOW_MINIMUM', 'validation', `threshold must be at least ${minimum} BTC`, { field: 'threshold', minimum }),
  withdrawalNotFound: () => new DomainError('PAYOUTS.WITHDRAWAL_NOT_FOUND', 'not_found', 'Withdrawal not found'),
  batchNotFound: () => new DomainError('PAYOUTS.BATCH_NOT_FOUND', 'not_found', 'Payout batch not found'),
  invalidTransition: (what: 'withdrawal' | 'batch', id: string, from: string, to: string) =>
    new DomainError('PAYOUTS.INVALID_TRANSITION', 'conflict', `The ${what} ${id} is ${from}; it cannot become ${to}`, { id, from, to }),
  sameApprover: () => new DomainError('PAYOUTS.FOUR_EYES', 'forbidden', 'This withdrawal needs a second approval from a different finance user'),
  nothingToBatch: () => new DomainError('PAYOUTS.NOTHING_TO_BATCH', 'conflict', 'No approved withdrawals are waiting for a batch'),
  batchTooLarge: (max: number) =>
    new DomainError('VALIDATION.FAILED', 'validation', `withdrawalIds must list at most ${max} withdrawals`, { field: 'withdrawalIds' }),
  alreadyInLiveBatch: () => new DomainError('PAYOUTS.IN_LIVE_BATCH', 'conflict', 'A withdrawal is already in a batch whose outcome is not resolved'),
  txidTaken: () => new DomainError('PAYOUTS.TXID_TAKEN', 'conflict', 'This txid is already recorded for another batch', { field: 'txid' }),
  autoPayoutNotSet: () => new DomainError('PAYOUTS.AUTO_PAYOUT_NOT_SET', 'not_found', 'Automatic payouts are not set up'),
};
