import type { FixedClock } from '../../src/common/clock/clock.js';
import { TransactionRunner } from '../../src/database/transaction.js';
import { WithdrawalRequestService } from '../../src/modules/payouts/withdrawal-request.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { assertLedgerBalanced, btcBalances, codeAt, idempotencyKey, readyCustomer, testClock } from '../support/payouts.js';

const BALANCE = 10_000_000n;
const FORTY_PERCENT = 4_000_000n;

describe('double spend', () => {
  let t: TestApp;
  let clock: FixedClock;

  beforeAll(async () => {
    clock = testClock();
    // Limits that would otherwise refuse some of the 30 requests for other reasons.
    t = await startTestApp({
      clock,
      env: { WITHDRAWAL_RATE_LIMIT_PER_HOUR: '1000', PAYOUT_IP_RATE_LIMIT_PER_HOUR: '1000', WITHDRAWAL_DAILY_LIMIT_SATS: '1000000000' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  async function invariants(customerId: string, expectedReserved: bigint): Promise<void> {
    const { available, reserved } = await btcBalances(t, customerId);
    expect(reserved).toBe(expectedReserved);
    expect(reserved <= BALANCE).toBe(true);
    expect(available + reserved).toBe(BALANCE);
    const { rows } = await t.db.query(`SELECT coalesce(sum(amount_sats), 0)::text AS total FROM withdrawals WHERE user_id = $1 AND status = 'requested'`, [
      customerId,
    ]);
    expect(BigInt(rows[0].total)).toBe(reserved);
    await assertLedgerBalanced(t);
  }

  it('30 concurrent withdrawal transactions of 40% of the balance each: exactly two reserve, the rest are refused', async () => {
    const customer = await readyCustomer(t, clock, BALANCE);
    const service = t.app.get(WithdrawalRequestService);
    const transactions = t.app.get(TransactionRunner);
    // Below the TOTP step (each HTTP request needs its own code, see the next test), so that
    // 30 creations really race for the balance: each is its own transaction on its own connection.
    const attempts = Array.from({ length: 30 }, () =>
      transactions.run((manager) =>
        service.createReserved(
          manager,
          {
            userId: customer.id,
            by: { id: customer.addressId },
            amountSats: FORTY_PERCENT,
            source: 'manual',
            autoDay: null,
            idempotencyKey: idempotencyKey(),
            requestHash: 'concurrency',
          },
          { userId: customer.id, role: 'customer', email: customer.email },
        ),
      ),
    );
    const results = await Promise.allSettled(attempts);
    const succeeded = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(succeeded).toHaveLength(2);
    expect(refused).toHaveLength(28);
    expect(new Set(refused.map((r) => (r.reason as { code?: string }).code))).toEqual(new Set(['LEDGER.INSUFFICIENT_BALANCE']));
    await invariants(customer.id, 2n * FORTY_PERCENT);
  });

  it('30 concurrent HTTP withdrawals with one valid TOTP code: exactly one is accepted, nothing over-reserved', async () => {
    const customer = await readyCustomer(t, clock, BALANCE);
    clock.advanceMs(30_000);
    const code = await codeAt(customer.secret, clock);
    const responses = await Promise.all(
      Array.from({ length: 30 }, () =>
        t.http.post(
          '/v1/me/withdrawals',
          { addressId: customer.addressId, amount: '0.04000000', totpCode: code },
          { token: customer.token, headers: { ...customer.headers, 'idempotency-key': idempotencyKey() } },
        ),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    const refusals = new Set(responses.filter((r) => r.status !== 201).map((r) => r.body.code));
    for (const code of refusals) expect(['AUTH.TOTP_REPLAYED', 'AUTH.TOTP_LOCKED']).toContain(code);
    await invariants(customer.id, FORTY_PERCENT);
  });
});
