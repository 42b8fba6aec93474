import { seedDayInputs, seedPopulation, type Seeded } from '../../seeds/settlement-seed.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { expectedGross, runOf, settlementsOf, trialBalance, waitForRun } from './settlement-support.js';

const DAY = '2025-06-15';

describe('settling a day through the queue', () => {
  let t: TestApp;
  let finance: TestUser;
  let seeded: Seeded;

  beforeAll(async () => {
    t = await startTestApp({
      env: { SETTLEMENT_CHUNK_SIZE: '100', SETTLEMENT_SWEEP_INTERVAL_MS: '1000', SETTLEMENT_SCHEDULER_ENABLED: 'true', LOG_LEVEL: 'error' },
    });
    finance = await createUser(t, 'finance');
    seeded = await seedPopulation(t.db, { tag: 'day', contracts: 450, customers: 60, startDay: '2025-06-01', termDays: 60, unsoldGhs: 12_345_678n });
  }, 120_000);
  afterAll(async () => {
    await t.close();
  }, 120_000);

  it('splits the earnings exactly across contracts and the house, once, and the ledger balances', async () => {
    const earnings = 987_654_321n;
    await seedDayInputs(t.db, seeded, DAY, { priceUsd: '65000.12', earningsSats: earnings });
    const res = await t.http.post('/v1/settlements/runs', { day: DAY }, { token: finance.token });
    expect(res.status).toBe(202);
    const run = await waitForRun(t.db, seeded.poolId, DAY);
    expect(run.chunk_count).toBeGreaterThan(1);
    const rows = await settlementsOf(t.db, seeded.poolId, DAY);
    expect(rows.size).toBe(450);

    const expected = await expectedGross(t.db, seeded.poolId, earnings, BigInt(run.ratio_ppm), BigInt(run.house_weight));
    let gross = 0n;
    for (const [id, row] of rows) {
      expect(BigInt(row.gross_sats)).toBe(expected.byContract.get(id));
      gross += BigInt(row.gross_sats);
      const fees = BigInt(row.electricity_fee_sats) + BigInt(row.management_fee_sats) + BigInt(row.arrears_collected_sats);
      expect(BigInt(row.net_sats) + fees).toBe(BigInt(row.gross_sats));
    }
    expect(BigInt(run.house_sats)).toBe(expected.house);
    expect(gross + BigInt(run.house_sats)).toBe(earnings);

    expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
    const credited = await t.db.query(
      `SELECT coalesce(sum(b.balance_minor), 0)::text AS s FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id WHERE a.customer_id IS NOT NULL AND a.currency = 'BTC'`,
    );
    expect(BigInt(credited.rows[0].s)).toBe(BigInt(run.net_sats));
    const receivable = await t.db.query(
      `SELECT sum(b.balance_minor)::text AS s FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id WHERE a.name = 'pool_receivable' AND a.currency = 'BTC'`,
    );
    expect(BigInt(receivable.rows[0].s)).toBe(-earnings);
  }, 120_000);

  it('changes nothing when the same day is triggered again', async () => {
    const before = await t.db.query(`SELECT count(*)::int AS n, (SELECT count(*)::int FROM ledger_postings) AS p FROM contract_settlements`);
    const again = await t.http.post('/v1/settlements/runs', { day: DAY }, { token: finance.token });
    expect(again.status).toBe(202);
    expect(again.body.runs).toHaveLength(1);
    expect(again.body.runs[0].status).toBe('completed');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await t.db.query(`SELECT count(*)::int AS n, (SELECT count(*)::int FROM ledger_postings) AS p FROM contract_settlements`);
    expect(after.rows[0]).toEqual(before.rows[0]);
  }, 120_000);

  it('settles a corrected day as an adjustment run with its own ledger entries', async () => {
    const res = await t.http.post(
      '/v1/pool-earnings',
      { poolId: seeded.poolId, day: DAY, amountSats: '987659321', reference: 'corrected statement' },
      { token: finance.token },
    );
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('corrected');
    const adjustment = await waitForRun(t.db, seeded.poolId, DAY, 1);
    expect(adjustment.earnings_sats).toBe('5000');
    const rows = await settlementsOf(t.db, seeded.poolId, DAY, 1);
    const day = await runOf(t.db, seeded.poolId, DAY, 0);
    const expected = await expectedGross(t.db, seeded.poolId, 5000n, BigInt(day.ratio_ppm), BigInt(day.house_weight));
    let gross = 0n;
    for (const [id, row] of rows) {
      expect(BigInt(row.gross_sats)).toBe(expected.byContract.get(id));
      expect(BigInt(row.electricity_fee_sats)).toBe(0n);
      gross += BigInt(row.gross_sats);
    }
    expect(gross + BigInt(adjustment.house_sats)).toBe(5000n);
    expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
    const entries = await t.db.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key LIKE $1`, [
      `settlement:${seeded.poolId}:${DAY}:s1:%`,
    ]);
    expect(entries.rows[0].n).toBeGreaterThan(0);
  }, 120_000);

  it('writes a row for every contract on a zero-earnings day', async () => {
    const day = '2025-06-16';
    await seedDayInputs(t.db, seeded, day, { priceUsd: '65000', earningsSats: 0n, deliveredGhs: 0n });
    await t.http.post('/v1/settlements/runs', { day }, { token: finance.token });
    const run = await waitForRun(t.db, seeded.poolId, day);
    expect(run.ratio_ppm).toBe(0);
    const rows = await settlementsOf(t.db, seeded.poolId, day);
    expect(rows.size).toBe(450);
    for (const row of rows.values())
      expect([row.gross_sats, row.electricity_fee_sats, row.net_sats, row.arrears_added_micro_usd]).toEqual(['0', '0', '0', '0']);
  }, 120_000);
});
