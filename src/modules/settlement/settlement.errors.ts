import { DomainError } from '../../common/errors/domain-error.js';

export class PoolNotFoundError extends DomainError {
  constructor(field = 'poolId') {
    super('SETTLEMENT.POOL_NOT_FOUND', 'not_found', `${field}: no such pool`, { field });
  }
}

export class PoolPayoutConflictError extends DomainError {
  constructor(txid: string, vout: number) {
    super('SETTLEMENT.PAYOUT_CONFLICT', 'conflict', `txid: output ${txid}:${vout} is already recorded with different figures`, { field: 'txid' });
  }
}

export class EarningsInFutureError extends DomainError {
  constructor() {
    super('SETTLEMENT.DAY_NOT_OVER', 'validation', 'day must be a UTC day that has ended', { field: 'day' });
  }
}

export class RangeTooLongError extends DomainError {
  constructor(max: number) {
    super('SETTLEMENT.RANGE_TOO_LONG', 'validation', `to must be at most ${max} days after from`, { field: 'to' });
  }
}

export class ContractNotFoundError extends DomainError {
  constructor() {
    super('SETTLEMENT.CONTRACT_NOT_FOUND', 'not_found', 'Contract not found');
  }
}

/** A settlement invariant failed (the split does not add up): the run stops, nothing is posted. */
export class SettlementInvariantError extends DomainError {
  constructor(message: string) {
    super('SETTLEMENT.INVARIANT', 'conflict', message);
  }
}
