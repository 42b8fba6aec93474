import { DomainError } from '../../common/errors/domain-error.js';

export class MarketDataConflictError extends DomainError {
  constructor(what: 'price' | 'difficulty', day: string, field: string) {
    super(`MARKET.${what.toUpperCase()}_CONFLICT`, 'conflict', `${field}: the ${what} for ${day} is already recorded with a different value`, { field, day });
  }
}

export class MarketDataMissingError extends DomainError {
  constructor(what: string) {
    super(
      'MARKET.NO_DATA',
      'conflict',
      `No ${what} has been recorded yet: finance records it with POST /v1/market/${what === 'BTC price' ? 'prices' : 'difficulty'}`,
    );
  }
}
