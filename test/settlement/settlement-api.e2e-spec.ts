import { JwtAccessTokenVerifier } from '../../src/modules/auth/jwt-access-token.verifier.js';
import { seedDayInputs, seedPopulation, type Seeded } from '../../seeds/settlement-seed.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { trialBalance, waitFor, waitForRun } from './settlement-support.js';

describe('settlement inputs, reconciliation and the customer view over HTTP', () => {
  let t: TestApp;
  let finance: TestUser;
  let customer: TestUser;
  let seeded: Seeded;
  const day = '2025-06-10';

  beforeAll(async () => {
    t = await startTestApp({ env: { SETTLEMENT_SWEEP_INTERVAL_MS: '1000', SETTLEMENT_SCHEDULER_ENABLED: 'true' } });
    finance = await createUser(t, 'finance');
    customer = await createUser(t, 'customer');
    seeded = await seedPopulation(t.db, {
      tag: 'api',
      contracts: 20,
      customers: 5,
      startDay: '2025-06-01',
      termDays: 30,
      hashrateSql: '100000',
      unsoldGhs: 0n,
    });
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it('refuses bad input with a 400 naming the field, and customers with a 403', async () => {
    const bad = await t.http.post('/v1/pool-earnings', { poolId: seeded.poolId, day, amountSats: '-5', reference: 'x' }, { token: finance.token });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('amountSats');
    const unknown = await t.http.post('/v1/pool-earnings', { poolId: seeded.poolId, day, amountSats: '5', reference: 'x', extra: 1 }, { token: finance.token });
    expect(unknown.status).toBe(400);
    const future = await t.http.post(
      '/v1/pool-earnings',
      { poolId: seeded.poolId, day: '2999-01-01', amountSats: '5', reference: 'x' },
      { token: finance.token },
    );
    expect(future.status).toBe(400);
    const noPool = await t.http.post(
      '/v1/pool-earnings',
      { poolId: '7a0b7c4e-2f4e-4c1e-9a8a-1b2c3d4e5f60', day, amountSats: '5', reference: 'x' },
      { token: finance.token },
    );
    expect(noPool.status).toBe(404);
    const asCustomer = await t.http.post('/v1/settlements/runs', { day }, { token: customer.token });
    expect(asCustomer.status).toBe(403);
    const csv = await t.http.request('POST', '/v1/pool-earnings/import', undefined, {
      token: finance.token,
      headers: { 'content-type': 'text/csv' },
      rawBody: `poolId,day,amountSats,reference\n${seeded.poolId},${day},12x,a\n`,
    });
    expect(csv.status).toBe(400);
    expect(csv.body.message).toContain('line 2');
    expect((await t.db.query(`SELECT count(*)::int AS n FROM pool_earnings`)).rows[0].n).toBe(0);
  });

  it('imports earnings from CSV, settles, and records payouts once per output', async () => {
    await seedDayInputs(t.db, seeded, day, { priceUsd: '60000' });
    const csv = await t.http.request('POST', '/v1/pool-earnings/import', undefined, {
      token: finance.token,
      headers: { 'content-type': 'text/csv' },
      rawBody: `poolId,day,amountSats,reference\n${seeded.poolId},${day},2000000,stmt-1\n`,
    });
    expect(csv.status).toBe(200);
    expect(csv.body.created).toBe(1);
    await waitForRun(t.db, seeded.poolId, day);
    const list = await t.http.get(`/v1/settlements/runs?from=${day}&to=${day}`, { token: finance.token });
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({ status: 'completed', contracts: 20, earningsSats: '2000000' });

    const payout = { poolId: seeded.poolId, txid: 'ab'.repeat(32), vout: 1, amountSats: '1500000', receivedAt: '2025-06-11T08:00:00Z' };
    expect((await t.http.post('/v1/pool-payouts', payout, { token: finance.token })).status).toBe(201);
    expect((await t.http.post('/v1/pool-payouts', payout, { token: finance.token })).status).toBe(200);
    expect((await t.http.post('/v1/pool-payouts', { ...payout, amountSats: '1' }, { token: finance.token })).status).toBe(409);
    expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });

    const recon = await t.http.get(`/v1/reconciliation?from=2025-06-10&to=2025-06-11`, { token: finance.token });
    expect(recon.status).toBe(200);
    const row = recon.body.rows.find((r: any) => r.day === day && r.poolId === seeded.poolId);
    expect(row).toMatchObject({ earningsSats: '2000000', runStatus: 'completed', receivableOutstandingSats: '2000000' });
    const next = recon.body.rows.find((r: any) => r.day === '2025-06-11' && r.poolId === seeded.poolId);
    expect(next).toMatchObject({ payoutsReceivedSats: '1500000', receivableOutstandingSats: '500000' });
    const asCsv = await t.http.get(`/v1/reconciliation?from=2025-06-10&to=2025-06-11&format=csv`, { token: finance.token });
    expect(asCsv.headers.get('content-type')).toContain('text/csv');
    expect(asCsv.text.split('\n')[0]).toContain('expectedSats');
  }, 120_000);

  it('flags a day whose earnings fall short of the expected FPPS', async () => {
    const short = '2025-06-12';
    // difficulty 1e14 and 3.125 BTC per block: 62.86 sats per TH/s per day; 2,000 TH/s delivered, 2% pool fee; rounded once, at the end
    await t.db.query(
      `INSERT INTO network_difficulty (day, difficulty, block_subsidy_sats, avg_fees_per_block_sats) VALUES ($1, 100000000000000, 312500000, 0)`,
      [short],
    );
    await seedDayInputs(t.db, seeded, short, { priceUsd: '60000', earningsSats: 1000n, deliveredGhs: 2_000_000n });
    const recon = await t.http.get(`/v1/reconciliation?from=${short}&to=${short}`, { token: finance.token });
    const row = recon.body.rows.find((r: any) => r.poolId === seeded.poolId);
    expect(row.expectedSats).toBe(((86_400n * 10n ** 12n * 312_500_000n * 2000n * 9800n) / (10n ** 14n * 2n ** 32n * 10_000n)).toString());
    expect(row.flagged).toBe(true);
    const metrics = await t.http.get('/metrics');
    expect(metrics.text).toMatch(/settlement_earnings_shortfall\{pool_id="[^"]+"\} 1/);
  });

  it("alerts when a pool's earnings are still missing after the grace period", async () => {
    const missing = '2025-06-20';
    await seedDayInputs(t.db, seeded, missing, { priceUsd: '60000' });
    const res = await t.http.post('/v1/settlements/runs', { day: missing }, { token: finance.token });
    expect(res.status).toBe(202);
    const run = res.body.runs.find((r: any) => r.poolId === seeded.poolId);
    expect(run).toMatchObject({ status: 'overdue', waitingReason: `earnings of the pool for ${missing} not recorded` });
    await waitFor(
      'the overdue gauge',
      async () => {
        const metrics = await t.http.get('/metrics');
        return new RegExp(`settlement_earnings_overdue\\{pool_id="${seeded.poolId}"\\} 1`).test(metrics.text);
      },
      20_000,
    );
  });

  it('shows a customer their own contract days only, with the reason a day is not settled', async () => {
    const { rows } = await t.db.query(`SELECT id, customer_id FROM contracts WHERE pool_id = $1 LIMIT 1`, [seeded.poolId]);
    const owner = await t.db.query(`SELECT email FROM users WHERE id = $1`, [rows[0].customer_id]);
    const token = await t.app.get(JwtAccessTokenVerifier).sign({ userId: rows[0].customer_id, role: 'customer', email: owner.rows[0].email });
    const res = await t.http.get(`/v1/contracts/${rows[0].id}/settlements?from=2025-06-09&to=2025-06-12`, { token });
    expect(res.status).toBe(200);
    const byDay = Object.fromEntries(res.body.days.map((d: any) => [d.day, d]));
    expect(byDay['2025-06-10'].settled).toBe(true);
    expect(byDay['2025-06-10'].settlements[0].grossSats).toBe('100000');
    expect(byDay['2025-06-09']).toMatchObject({ settled: false, reason: 'waiting for pool data' });
    const other = await t.http.get(`/v1/contracts/${rows[0].id}/settlements`, { token: customer.token });
    expect(other.status).toBe(404);
  });
});
