/** How a domain error maps to HTTP; the mapping itself lives in the exception filter only. */
export type ErrorKind = 'validation' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'payment_required' | 'too_many_requests' | 'unavailable';

/**
 * Base of every error a module raises on purpose. `code` is stable (`AUTH.INVALID_CREDENTIALS`)
 * and is what clients and tests match on; the message is for humans.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(code: string, what: string) {
    super(code, 'not_found', `${what} not found`);
  }
}

export class ValidationFailedError extends DomainError {
  constructor(field: string, problem: string) {
    super('VALIDATION.FAILED', 'validation', `${field} ${problem}`, { field });
  }
}
