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
