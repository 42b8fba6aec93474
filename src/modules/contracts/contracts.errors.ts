import { DomainError, NotFoundError } from '../../common/errors/domain-error.js';

export const productNotFound = () => new NotFoundError('PRODUCTS.NOT_FOUND', 'Product');

export class AllocationExceedsOnlineError extends DomainError {
  constructor(requestedThs: string, availableThs: string, onlineThs: string) {
    super(
      'PRODUCTS.ALLOCATION_EXCEEDS_ONLINE',
      'conflict',
      `capacityAllocatedThs: ${requestedThs} TH/s requested but only ${availableThs} TH/s of the pool's ${onlineThs} TH/s online is unallocated`,
      { field: 'capacityAllocatedThs', requestedThs, availableThs, onlineThs },
    );
  }
}

export class AllocationBelowSoldError extends DomainError {
  constructor(soldThs: string) {
    super('PRODUCTS.ALLOCATION_BELOW_SOLD', 'conflict', `capacityAllocatedThs: ${soldThs} TH/s is already sold; the allocation cannot go below it`, {
      field: 'capacityAllocatedThs',
      soldThs,
    });
  }
}

export class ElectricityFeeNotDerivableError extends DomainError {
  constructor() {
    super('PRODUCTS.FEE_NOT_DERIVABLE', 'conflict', 'electricityFeeUsdPerThDay: the pool has no fleets to derive it from; give it explicitly');
  }
}

export const contractNotFound = () => new NotFoundError('CONTRACTS.NOT_FOUND', 'Contract');

export class IdempotencyKeyRequiredError extends DomainError {
  constructor(problem: string) {
    super('CONTRACTS.IDEMPOTENCY_KEY_REQUIRED', 'validation', `Idempotency-Key header ${problem}`, { field: 'Idempotency-Key' });
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super('CONTRACTS.IDEMPOTENCY_CONFLICT', 'conflict', 'This Idempotency-Key was already used for a different purchase');
  }
}

export class SoldOutError extends DomainError {
  constructor(remainingThs: string) {
    super('CONTRACTS.SOLD_OUT', 'conflict', `hashrateThs: only ${remainingThs} TH/s of this product is left`, { field: 'hashrateThs', remainingThs });
  }
}

export class NotOnSaleError extends DomainError {
  constructor(why: string) {
    super('CONTRACTS.NOT_ON_SALE', 'conflict', `productId: the product is not on sale (${why})`, { field: 'productId' });
  }
}

export class PurchaseLimitError extends DomainError {
  constructor(minThs: string, maxThs: string) {
    super('CONTRACTS.OUTSIDE_PURCHASE_LIMITS', 'validation', `hashrateThs must be between ${minThs} and ${maxThs} TH/s for this product`, {
      field: 'hashrateThs',
      minThs,
      maxThs,
    });
  }
}

export class NotCancellableError extends DomainError {
  constructor(why: string) {
    super('CONTRACTS.NOT_CANCELLABLE', 'conflict', `The contract can no longer be cancelled: ${why}`);
  }
}
