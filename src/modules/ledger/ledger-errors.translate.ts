import { isRetryableTransactionError, sqlState } from '../../database/transaction.js';
import { BalanceLimitError, CustomerNotFoundError, IdempotencyConflictError, InsufficientBalanceError, LedgerInvariantError } from './ledger.errors.js';

interface PgErrorLike {
  code?: string;
  detail?: string;
  message?: string;
  driverError?: { code?: string; detail?: string; message?: string };
}

/**
 * Maps the SQLSTATEs raised by the ledger's SQL functions and triggers (CreateLedger migration)
 * to domain errors: HM402 a bound would be crossed, HM409 an idempotency conflict, HM404 an
 * unknown customer or account, HM400 an unbalanced entry. Anything else passes through.
 */
export function translateLedgerError(error: unknown): unknown {
  const state = sqlState(error);
  if (!state?.startsWith('HM')) return error;
  const pg = error as PgErrorLike;
  const detail = parseDetail(pg.driverError?.detail ?? pg.detail);
  switch (state) {
    case 'HM402': {
      const details = { currency: detail.currency, account: detail.account };
      return detail.bound === 'max' ? new BalanceLimitError(details) : new InsufficientBalanceError(details);
    }
    case 'HM409':
      return new IdempotencyConflictError(text(detail.idempotencyKey));
    case 'HM404':
      return new CustomerNotFoundError(text(detail.customerId ?? detail.accountId));
    case 'HM400':
      return new LedgerInvariantError(pg.driverError?.message ?? pg.message ?? 'unbalanced ledger entry');
    default:
      return error;
  }
}

/** A JSON detail's value as text: strings and numbers as they are, anything else empty. */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function parseDetail(detail: string | undefined): Record<string, unknown> {
  if (!detail) return {};
  try {
    return JSON.parse(detail) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const MAX_ATTEMPTS = 6;

/**
 * Runs one autocommit statement, retrying serialization failures and deadlocks with jittered
 * backoff (a single statement that failed committed nothing, so running it again is safe).
 * Inside a caller's transaction there is no retry here: the caller's TransactionRunner
 * re-runs the whole transaction.
 */
export async function runLedgerStatement<T>(work: () => Promise<T>, inCallerTransaction: boolean): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (inCallerTransaction || !isRetryableTransactionError(error) || attempt >= MAX_ATTEMPTS) throw translateLedgerError(error);
      const delayMs = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
