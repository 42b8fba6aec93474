import { getQueueToken } from '@nestjs/bullmq';
import { type ConnectionOptions, type Queue, QueueEvents } from 'bullmq';
import type { FixedClock } from '../../src/common/clock/clock.js';
import { JOBS, QUEUES } from '../../src/common/queue/queue-names.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { TEST_REDIS_URL } from '../support/test-env.js';
import { redisOptionsFromUrl } from '../../src/common/queue/redis-options.js';
import { MAINNET_ADDRESSES, addAddress, assertLedgerBalanced, btcBalances, fundBtc, readyCustomer, testClock } from '../support/payouts.js';

describe('automatic payouts', () => {
  let t: TestApp;
  let clock: FixedClock;
  let finance: TestUser;

  beforeAll(async () => {
    clock = testClock();
    t = await startTestApp({ clock, env: { WITHDRAWAL_MIN_SATS: '10000', WITHDRAWAL_DAILY_LIMIT_SATS: '1000000000' } });
    finance = await createUser(t, 'finance');
  });
  afterAll(async () => {
    await t.close();
  });

  async function setAutoPayout(customer: Awaited<ReturnType<typeof readyCustomer>>, threshold: string, addressId = customer.addressId) {
    return t.http.request(
      'PUT',
      '/v1/me/auto-payout',
      { addressId, threshold, totpCode: await customer.nextCode() },
      { token: customer.token, headers: customer.headers },
    );
  }

  async function run(day: string) {
    const res = await t.http.post('/v1/auto-payouts/runs', { day }, { token: finance.token });
    expect(res.status).toBe(200);
    return res.body;
  }

  async function autoWithdrawals(userId: string) {
    const { rows } = await t.db.query(
      `SELECT amount_sats::text AS amount, to_char(auto_day, 'YYYY-MM-DD') AS day, status FROM withdrawals WHERE user_id = $1 AND source = 'auto' ORDER BY auto_day`,
      [userId],
    );
    return rows;
  }

  it('needs a TOTP code, an own address and a threshold at least the minimum', async () => {
    const customer = await readyCustomer(t, clock, 0n);
    const other = await readyCustomer(t, clock, 0n, MAINNET_ADDRESSES.p2tr);
    const noCode = await t.http.request('PUT', '/v1/me/auto-payout', { addressId: customer.addressId, threshold: '0.01' }, { token: customer.token });
    expect(noCode.status).toBe(400);
    const low = await setAutoPayout(customer, '0.00009999');
    expect(low.status).toBe(400);
    expect(low.body.code).toBe('PAYOUTS.BELOW_MINIMUM');
    const foreign = await setAutoPayout(customer, '0.01', other.addressId);
    expect(foreign.status).toBe(404);
    const ok = await setAutoPayout(customer, '0.01000000');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ addressId: customer.addressId, threshold: '0.01000000', thresholdSats: '1000000', active: true });
    expect((await t.http.get('/v1/me/auto-payout', { token: customer.token })).body.threshold).toBe('0.01000000');
    expect((await t.http.get('/v1/me/auto-payout', { token: other.token })).status).toBe(404);
    expect((await t.http.delete('/v1/me/auto-payout', undefined, { token: customer.token })).status).toBe(204);
    expect((await t.http.get('/v1/me/auto-payout', { token: customer.token })).status).toBe(404);
  });

  it('pays out whole balances at or above the threshold once per customer per day; below it carries over', async () => {
    const rich = await readyCustomer(t, clock, 3_000_000n);
    const poor = await readyCustomer(t, clock, 999_999n, MAINNET_ADDRESSES.p2tr);
    const exact = await readyCustomer(t, clock, 1_000_000n, MAINNET_ADDRESSES.p2pkh);
    for (const c of [rich, poor, exact]) expect((await setAutoPayout(c, '0.01000000')).status).toBe(200);

    const summary = await run('2030-02-01');
    expect(summary.day).toBe('2030-02-01');
    expect(await autoWithdrawals(rich.id)).toEqual([{ amount: '3000000', day: '2030-02-01', status: 'requested' }]);
    expect(await autoWithdrawals(exact.id)).toEqual([{ amount: '1000000', day: '2030-02-01', status: 'requested' }]);
    expect(await autoWithdrawals(poor.id)).toEqual([]);
    expect(await btcBalances(t, rich.id)).toEqual({ available: 0n, reserved: 3_000_000n });
    expect(await btcBalances(t, poor.id)).toEqual({ available: 999_999n, reserved: 0n });

    // Re-running the day (a retried job, a second worker) creates nothing twice.
    await fundBtc(t, rich.id, 5_000_000n);
    await run('2030-02-01');
    expect(await autoWithdrawals(rich.id)).toHaveLength(1);
    expect(await btcBalances(t, rich.id)).toEqual({ available: 5_000_000n, reserved: 3_000_000n });

    // The next day pays the new balance; the poor customer's balance carried over and now crosses it.
    await fundBtc(t, poor.id, 1n);
    clock.advanceMs(24 * 3_600_000);
    await run('2030-02-02');
    expect((await autoWithdrawals(rich.id)).map((w) => [w.day, w.amount])).toEqual([
      ['2030-02-01', '3000000'],
      ['2030-02-02', '5000000'],
    ]);
    expect(await autoWithdrawals(poor.id)).toEqual([{ amount: '1000000', day: '2030-02-02', status: 'requested' }]);
    const mine = await t.http.get('/v1/me/withdrawals', { token: rich.token });
    expect(mine.body.items[0]).toMatchObject({ source: 'auto', autoDay: '2030-02-02', waitingFor: 'approval' });
    await assertLedgerBalanced(t);
  });

  it('waits for a new address’s time lock and stops when the address is removed', async () => {
    const customer = await readyCustomer(t, clock, 2_000_000n);
    const fresh = await addAddress(t, customer, MAINNET_ADDRESSES.p2sh);
    expect((await setAutoPayout(customer, '0.01000000', fresh)).body.active).toBe(false);
    await run('2030-03-01');
    expect(await autoWithdrawals(customer.id)).toEqual([]);

    const removed = await t.http.delete(
      `/v1/me/payout-addresses/${fresh}`,
      { totpCode: await customer.nextCode() },
      { token: customer.token, headers: customer.headers },
    );
    expect(removed.status).toBe(200);
    expect((await t.http.get('/v1/me/auto-payout', { token: customer.token })).status).toBe(404);
  });

  it('runs as the daily job on the payouts queue', async () => {
    const customer = await readyCustomer(t, clock, 2_000_000n);
    expect((await setAutoPayout(customer, '0.01000000')).status).toBe(200);
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.payouts), { strict: false });
    const events = new QueueEvents(QUEUES.payouts, { connection: redisOptionsFromUrl(TEST_REDIS_URL) as ConnectionOptions, prefix: t.config.QUEUE_PREFIX });
    await events.waitUntilReady();
    try {
      const job = await queue.add(JOBS.payouts.runAutoPayouts, { day: '2030-04-01' }, { jobId: 'auto-payouts-20300401' });
      const result = await job.waitUntilFinished(events);
      expect(result).toMatchObject({ day: '2030-04-01' });
      expect(result.created).toBeGreaterThanOrEqual(1);
    } finally {
      await events.close();
    }
    expect(await autoWithdrawals(customer.id)).toEqual([{ amount: '2000000', day: '2030-04-01', status: 'requested' }]);
  });
});
