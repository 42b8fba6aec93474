import { DomainError } from '../../common/errors/domain-error.js';

/** The money is not there: a debit would take a customer bucket below zero. */
export class InsufficientBalanceError extends DomainError {
  constructor(details: Record<string, unknown>) {
    super('LEDGER.INSUFFICIENT_BALANCE', 'payment_required', 'Insufficient balance for this operation', details);
  }
}

/** A bounded account would pass its upper bound (e.g. paying more arrears than are owed). */
export class BalanceLimitError extends DomainError {
  constructor(details: Record<string, unknown>) {
    super('LEDGER.BALANCE_LIMIT', 'conflict', 'This operation would take an account past its limit', details);
  }
}

/** The idempotency key was used before for an entry with different content. */
export class IdempotencyConflictError extends DomainError {
  constructor(idempotencyKey: string) {
    super('LEDGER.IDEMPOTENCY_CONFLICT', 'conflict', `Idempotency key "${idempotencyKey}" was already used for a different request`, {
      idempotencyKey,
    });
  }
}

export class CustomerNotFoundError extends DomainError {
  constructor(customerId: string) {
    super('LEDGER.CUSTOMER_NOT_FOUND', 'not_found', 'customer not found', { customerId });
  }
}

/** The caller built an entry the ledger cannot accept (empty key, zero amount, bad type). */
export class InvalidEntryError extends DomainError {
  constructor(problem: string) {
    super('LEDGER.INVALID_ENTRY', 'validation', problem);
  }
}

/**
 * A broken invariant: an unbalanced entry reached the database, or a statement did not add
 * up. Never a client error: it surfaces as a 500 and is logged.
 */
export class LedgerInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerInvariantError';
  }
}
