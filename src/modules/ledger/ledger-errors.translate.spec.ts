import { runLedgerStatement, translateLedgerError } from './ledger-errors.translate.js';
import { BalanceLimitError, CustomerNotFoundError, IdempotencyConflictError, InsufficientBalanceError, LedgerInvariantError } from './ledger.errors.js';

const pgError = (code: string, detail?: object) => Object.assign(new Error(`pg ${code}`), { code, detail: detail && JSON.stringify(detail) });

describe('ledger error translation and statement retries', () => {
  it('maps the SQLSTATEs raised by the ledger functions to domain errors', () => {
    expect(translateLedgerError(pgError('HM402', { bound: 'min', currency: 'USD', account: 'available' }))).toEqual(
      new InsufficientBalanceError({ currency: 'USD', account: 'available' }),
    );
    expect(translateLedgerError(pgError('HM402', { bound: 'max', currency: 'USD', account: 'arrears' }))).toBeInstanceOf(BalanceLimitError);
    expect(translateLedgerError(pgError('HM409', { idempotencyKey: 'k1' }))).toEqual(new IdempotencyConflictError('k1'));
    expect(translateLedgerError(pgError('HM404', { customerId: 'c1' }))).toEqual(new CustomerNotFoundError('c1'));
    expect(translateLedgerError(pgError('HM400'))).toBeInstanceOf(LedgerInvariantError);
    // TypeORM wraps driver errors; the code is read from the driver error too.
    const wrapped = { driverError: pgError('HM409', { idempotencyKey: 'k2' }) };
    expect(translateLedgerError(wrapped)).toEqual(new IdempotencyConflictError('k2'));
    const other = pgError('23505');
    expect(translateLedgerError(other)).toBe(other);
  });

  it('retries serialization failures and deadlocks of its own statement, then succeeds', async () => {
    let calls = 0;
    const result = await runLedgerStatement(async () => {
      calls += 1;
      if (calls === 1) throw pgError('40001');
      if (calls === 2) throw pgError('40P01');
      return 'posted';
    }, false);
    expect(result).toBe('posted');
    expect(calls).toBe(3);
  });

  it('gives up after six attempts, and never retries inside a caller’s transaction', async () => {
    let calls = 0;
    await expect(
      runLedgerStatement(async () => {
        calls += 1;
        throw pgError('40001');
      }, false),
    ).rejects.toMatchObject({ code: '40001' });
    expect(calls).toBe(6);
    calls = 0;
    await expect(
      runLedgerStatement(async () => {
        calls += 1;
        throw pgError('40P01');
      }, true),
    ).rejects.toMatchObject({ code: '40P01' });
    expect(calls).toBe(1);
  });

  it('does not retry domain failures and translates them', async () => {
    let calls = 0;
    await expect(
      runLedgerStatement(async () => {
        calls += 1;
        throw pgError('HM402', { bound: 'min' });
      }, false),
    ).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect(calls).toBe(1);
  });
});
