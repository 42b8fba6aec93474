import { FixedClock } from '../../src/common/clock/clock.js';
import { seedDayInputs, seedPopulation, type Seeded } from '../../seeds/settlement-seed.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { trialBalance, waitForRun } from './settlement-support.js';

/**
 * Arrears, pause and uptime extension over a simulated week: the clock is moved a day at a time
 * and each day is settled through the queue. Two contracts of 100 TH/s at 0.05 USD per TH/s per
 * day (5 USD = 5,000 sats at 100,000 USD/BTC), 10% management fee, 1 grace day.
 */
describe('arrears, pause and uptime extension across days', () => {
  const clock = new FixedClock(new Date('2025-07-01T06:00:00Z'));
  let t: TestApp;
  let finance: TestUser;
  let pool: Seeded;
  let a: string;
  let b: string;

  async function settleDay(s: Seeded, day: string, earnings: bigint, deliveredGhs?: bigint) {
    clock.set(new Date(`${day}T23:00:00Z`));
    clock.advanceMs(3 * 3600_000);
    await seedDayInputs(t.db, s, day, { priceUsd: '100000', earningsSats: earnings, deliveredGhs });
    const res = await t.http.post('/v1/settlements/runs', { day }, { token: finance.token });
    expect(res.status).toBe(202);
    return waitForRun(t.db, s.poolId, day);
  }

  async function row(contractId: string, day: string) {
    const { rows } = await t.db.query(`SELECT * FROM contract_settlements WHERE contract_id = $1 AND day = $2 AND seq = 0`, [contractId, day]);
    return rows[0];
  }

  async function contract(id: string) {
    // Arrears live in settlement's carried state (contracts no longer keep a copy).
    const { rows } = await t.db.query(
      `SELECT k.status, k.end_day::text, k.extension_days, coalesce(s.arrears_micro_usd, 0)::text AS arrears_micro_usd
         FROM contracts k LEFT JOIN contract_settlement_states s ON s.contract_id = k.id WHERE k.id = $1`,
      [id],
    );
    return rows[0];
  }

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { SETTLEMENT_SWEEP_INTERVAL_MS: '1000', SETTLEMENT_SCHEDULER_ENABLED: 'true' } });
    finance = await createUser(t, 'finance');
    pool = await seedPopulation(t.db, {
      tag: 'arrears',
      contracts: 2,
      customers: 2,
      startDay: '2025-07-01',
      termDays: 30,
      hashrateSql: '100000',
      electricityFeeUsdPerThDay: '0.05',
      managementFeeBps: 1000,
      arrearsGraceDays: 1,
      uptimeGuaranteeBps: 9500,
    });
    const { rows } = await t.db.query(`SELECT id, customer_id FROM contracts WHERE pool_id = $1 ORDER BY customer_id`, [pool.poolId]);
    [a, b] = rows.map((r) => r.id);
  }, 120_000);

  afterAll(async () => {
    await t.close();
  });

  it('records uncovered electricity as arrears and collects it from the next output', async () => {
    await settleDay(pool, '2025-07-01', 4_000n);
    const d1 = await row(a, '2025-07-01');
    // 2,000 sats gross, all to electricity; 3 USD of the 5 USD fee stays owed
    expect([d1.gross_sats, d1.electricity_fee_sats, d1.management_fee_sats, d1.net_sats, d1.arrears_added_micro_usd]).toEqual([
      '2000',
      '2000',
      '0',
      '0',
      '3000000',
    ]);
    expect(d1.flags & 2).toBe(2);
    expect((await contract(a)).arrears_micro_usd).toBe('3000000');

    await settleDay(pool, '2025-07-02', 40_000n);
    const d2 = await row(a, '2025-07-02');
    // 20,000 gross: 5,000 electricity, 2,000 management, 3,000 for the 3 USD owed, 10,000 net
    expect([d2.gross_sats, d2.electricity_fee_sats, d2.management_fee_sats, d2.arrears_collected_sats, d2.net_sats]).toEqual([
      '20000',
      '5000',
      '2000',
      '3000',
      '10000',
    ]);
    expect((await contract(a)).arrears_micro_usd).toBe('0');
  }, 120_000);

  it('pauses contracts whose arrears outlive the grace days, and settles them again once paid', async () => {
    await settleDay(pool, '2025-07-03', 0n);
    await settleDay(pool, '2025-07-04', 0n);
    // owed since the 3rd; on the 5th that is more than one grace day
    expect((await contract(a)).status).toBe('paused');
    expect((await contract(b)).status).toBe('paused');

    const deposit = await t.http.post(
      '/v1/deposits',
      {
        customerId: (await t.db.query(`SELECT customer_id FROM contracts WHERE id = $1`, [a])).rows[0].customer_id,
        currency: 'USD',
        amount: '20',
        externalReference: 'WIRE-ARREARS-1',
      },
      { token: finance.token, headers: { 'idempotency-key': 'arrears-deposit-1' } },
    );
    expect(deposit.body).toMatchObject({ currency: 'USD' });

    const d5run = await settleDay(pool, '2025-07-05', 40_000n);
    const d5 = await row(a, '2025-07-05');
    expect(d5.flags & 1).toBe(1);
    expect([d5.gross_sats, d5.electricity_fee_micro_usd, d5.net_sats]).toEqual(['0', '0', '0']);
    // both paused: nobody has weight, the house takes the day
    expect(d5run.house_sats).toBe('40000');
    expect(d5run.arrears_collected_usd_micro_usd).toBe('10000000');
    expect((await contract(a)).status).toBe('active');
    expect((await contract(b)).status).toBe('paused');

    const d6run = await settleDay(pool, '2025-07-06', 40_000n);
    const d6a = await row(a, '2025-07-06');
    const d6b = await row(b, '2025-07-06');
    // B's paused hash rate is mined for the house: A and the house share the day
    expect(d6a.gross_sats).toBe('20000');
    expect(d6run.house_sats).toBe('20000');
    expect(d6b.flags & 1).toBe(1);
    expect(d6b.gross_sats).toBe('0');
    expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
    const owed = await t.db.query(
      `SELECT a.customer_id, b.balance_minor::text AS owed FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id WHERE a.name = 'arrears' ORDER BY a.customer_id`,
    );
    expect(owed.rows.map((r) => r.owed)).toEqual(['0', '-10000000']);
  }, 240_000);

  it('extends the end day by one for each whole day delivered below the uptime guarantee', async () => {
    const up = await seedPopulation(t.db, {
      tag: 'uptime',
      contracts: 1,
      customers: 1,
      startDay: '2025-07-01',
      termDays: 30,
      hashrateSql: '100000',
      electricityFeeUsdPerThDay: '0.01',
      uptimeGuaranteeBps: 9500,
    });
    const { rows } = await t.db.query(`SELECT id FROM contracts WHERE pool_id = $1`, [up.poolId]);
    const id = rows[0].id;
    expect((await contract(id)).end_day).toBe('2025-07-30');
    for (const day of ['2025-07-01', '2025-07-02', '2025-07-03', '2025-07-04', '2025-07-05'])
      await settleDay(up, day, 50_000n, day <= '2025-07-02' ? 50_000n : 100_000n);
    const first = await row(id, '2025-07-01');
    expect(first.ratio_ppm).toBe(500_000);
    expect(first.flags & 4).toBe(4);
    // half a day undelivered on each of two days: one whole day
    expect(await contract(id)).toMatchObject({ end_day: '2025-07-31', extension_days: 1 });
  }, 240_000);
});
