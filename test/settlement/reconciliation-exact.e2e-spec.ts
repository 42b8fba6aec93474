import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { seedReconciliation } from '../../seeds/reconciliation-seed.js';
import { ReconciliationService } from '../../src/modules/settlement/views/reconciliation.service.js';
import { createPool } from '../support/capacity-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

/**
 * The exact FPPS expectation, written out here independently of the service:
 *   sats = 86,400 x 10^12 x reward x TH/s x (10,000 - pool fee bps) / (difficulty x 2^32 x 10,000)
 * (a hash finds a block with probability 1 / (difficulty x 2^32); 10^12 hashes per TH).
 */
function exactExpected(deliveredThs: string, difficulty: string, rewardSats: bigint, feeBps: bigint): { num: bigint; den: bigint } {
  const decimal = (s: string) => {
    const [whole, fraction = ''] = s.split('.');
    return { n: BigInt(whole + fraction), scale: 10n ** BigInt(fraction.length) };
  };
  const ths = decimal(deliveredThs);
  const d = decimal(difficulty);
  return { num: 86_400n * 10n ** 12n * rewardSats * ths.n * d.scale * (10_000n - feeBps), den: d.n * ths.scale * 2n ** 32n * 10_000n };
}
const floorOf = (r: { num: bigint; den: bigint }) => r.num / r.den;
/** (earnings - expected) / expected in %, to 2 decimals, half away from zero, from the exact figures. */
function variancePct(earnings: bigint, r: { num: bigint; den: bigint }): string {
  const scaled = (earnings * r.den - r.num) * 10_000n;
  const negative = scaled < 0n;
  const abs = negative ? -scaled : scaled;
  const hundredths = (2n * abs + r.num) / (2n * r.num);
  const text = hundredths.toString().padStart(3, '0');
  return `${negative && hundredths > 0n ? '-' : ''}${text.slice(0, -2)}.${text.slice(-2)}`;
}

const PUBLISHED = [
  // Fees were 1.07% of the whole block reward (subsidy + fees): 6.25 BTC x 1.07 / 98.93 = 6,759,325 sats a block.
  { day: '2021-10-24', difficulty: '20082460130830.84', subsidy: 625_000_000n, fees: 6_759_325n, sats: 632_832n },
  { day: '2024-01-06', difficulty: '73197634206448', subsidy: 625_000_000n, fees: 0n, sats: 171_765n },
  { day: '2024-04-19', difficulty: '86388558925171.02', subsidy: 625_000_000n, fees: 0n, sats: 145_538n },
  { day: '2024-04-20', difficulty: '86388558925171.02', subsidy: 312_500_000n, fees: 0n, sats: 72_769n },
];
const HALVING = PUBLISHED[3];
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'reconciliation-before.json');

describe('reconciliation: exact expected FPPS earnings, judged exactly, in a fixed number of statements', () => {
  let t: TestApp;
  let finance: TestUser;
  let operator: TestUser;

  const ok = async (res: Promise<{ status: number; body: unknown }>, what: string) => {
    const r = await res;
    if (r.status !== 201) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  /** Records a day as finance and operations would: difficulty, delivered hash rate, the pool's earnings. */
  async function recordDay(poolId: string, d: { day: string; difficulty: string; subsidy: bigint; fees: bigint }, deliveredThs: string, earningsSats: bigint) {
    const difficulty = { day: d.day, difficulty: d.difficulty, blockSubsidySats: d.subsidy.toString(), avgFeesPerBlockSats: d.fees.toString() };
    // Several pools share a day: the same figures again are a replay (200).
    expect([200, 201]).toContain((await t.http.post('/v1/market/difficulty', difficulty, { token: finance.token })).status);
    await ok(t.http.post('/v1/hashrate-reports', { poolId, day: d.day, deliveredThs, uptimeBps: 10_000 }, { token: operator.token }), 'hash-rate report');
    await ok(
      t.http.post('/v1/pool-earnings', { poolId, day: d.day, amountSats: earningsSats.toString(), reference: `r-${d.day}` }, { token: finance.token }),
      'earnings',
    );
  }
  const report = async (from: string, to: string) => {
    const res = await t.http.get(`/v1/reconciliation?from=${from}&to=${to}`, { token: finance.token });
    expect(res.status).toBe(200);
    return res.body as { shortfallAlertBps: number; rows: Record<string, any>[] };
  };
  const rowOf = (rows: Record<string, any>[], poolId: string, day: string) => rows.find((r) => r.poolId === poolId && r.day === day)!;

  beforeAll(async () => {
    t = await startTestApp({ env: { RECONCILIATION_SHORTFALL_ALERT_BPS: '500' } });
    finance = await createUser(t, 'finance');
    operator = await createUser(t, 'operator');
  }, 120_000);
  afterAll(async () => t?.close());

  it('expects the published FPPS earnings of 1,000 TH/s to the satoshi (pool fee 0)', async () => {
    const pool = await createPool(t, operator.token, { feeBps: 0 });
    for (const d of PUBLISHED) await recordDay(pool.id, d, '1000', d.sats);
    const rows = [...(await report('2021-10-24', '2021-10-24')).rows, ...(await report('2024-01-06', '2024-04-20')).rows];
    for (const d of PUBLISHED) {
      const exact = exactExpected('1000', d.difficulty, d.subsidy + d.fees, 0n);
      const row = rowOf(rows, pool.id, d.day);
      expect({ day: d.day, expectedSats: row.expectedSats }).toEqual({ day: d.day, expectedSats: floorOf(exact).toString() });
      expect(row.expectedSats).toBe(d.sats.toString());
      expect(row).toMatchObject({ earningsSats: d.sats.toString(), deliveredGhs: '1000000', variancePct: '0.00', flagged: false });
    }
    // Reading the fees as 1.07% of the subsidy alone (6,687,500 sats) would give 632,760, not the published figure.
    expect(floorOf(exactExpected('1000', PUBLISHED[0].difficulty, 631_687_500n, 0n))).toBe(632_760n);
  });

  it('flags a pool paying 5.5% short after the halving at a 5% threshold, and not one paying 4.5% short', async () => {
    const short = await createPool(t, operator.token, { feeBps: 0 });
    const near = await createPool(t, operator.token, { feeBps: 0 });
    const exact = exactExpected('1000', HALVING.difficulty, HALVING.subsidy, 0n);
    const shortSats = (exact.num * 9_450n) / (exact.den * 10_000n);
    const nearSats = (exact.num * 9_550n) / (exact.den * 10_000n);
    expect([shortSats, nearSats]).toEqual([68_766n, 69_494n]);
    await recordDay(short.id, HALVING, '1000', shortSats);
    await recordDay(near.id, HALVING, '1000', nearSats);

    const body = await report(HALVING.day, HALVING.day);
    expect(body.shortfallAlertBps).toBe(500);
    expect(rowOf(body.rows, short.id, HALVING.day)).toMatchObject({
      expectedSats: '72769',
      earningsSats: '68766',
      flagged: true,
      variancePct: variancePct(shortSats, exact),
    });
    expect(rowOf(body.rows, short.id, HALVING.day).variancePct).toBe('-5.50');
    expect(rowOf(body.rows, near.id, HALVING.day)).toMatchObject({ expectedSats: '72769', earningsSats: '69494', flagged: false, variancePct: '-4.50' });
    expect(variancePct(nearSats, exact)).toBe('-4.50');
    const metrics = await t.http.get('/metrics');
    expect(metrics.text).toContain(`settlement_earnings_shortfall{pool_id="${short.id}"} 1`);
    expect(metrics.text).not.toContain(`settlement_earnings_shortfall{pool_id="${near.id}"}`);
  });

  it('judges the threshold on the exact figures, with a pool fee and fractional TH/s', async () => {
    const pool = await createPool(t, operator.token, { feeBps: 250 });
    const [before, after] = [PUBLISHED[2], PUBLISHED[3]];
    const exactBefore = exactExpected('1234.567', before.difficulty, before.subsidy, 250n);
    const exactAfter = exactExpected('1234.567', after.difficulty, after.subsidy, 250n);
    // The least earnings that are not more than 5% short (earnings x 10,000 >= expected x 9,500), and one sat less.
    const least = (r: { num: bigint; den: bigint }) => (r.num * 9_500n + r.den * 10_000n - 1n) / (r.den * 10_000n);
    await recordDay(pool.id, before, '1234.567', least(exactBefore));
    await recordDay(pool.id, after, '1234.567', least(exactAfter) - 1n);

    const { rows } = await report(before.day, after.day);
    for (const [d, exact, earnings, flagged] of [
      [before, exactBefore, least(exactBefore), false],
      [after, exactAfter, least(exactAfter) - 1n, true],
    ] as const) {
      expect(rowOf(rows, pool.id, d.day)).toMatchObject({
        expectedSats: floorOf(exact).toString(),
        earningsSats: earnings.toString(),
        deliveredGhs: '1234567',
        flagged,
        variancePct: variancePct(earnings, exact),
      });
    }
  });

  it('gives the same rows as before over 4 pools and 10 days, and the same CSV columns', async () => {
    const seed = await seedReconciliation(t.db, { tag: 1, pools: 4, from: '2024-06-01', days: 10, historyDays: 5, payoutOnlyPool: true });
    const { rows } = await report(seed.from, seed.to);
    const before: Record<string, unknown>[] = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    expect(rows.map(({ expectedSats: _e, variancePct: _v, flagged: _f, ...rest }) => rest)).toEqual(before);

    // The expectation columns, from the exact formula over the recorded difficulty and the pool's fee.
    const { rows: market } = await t.db.query(
      `SELECT day::text, difficulty::text, (block_subsidy_sats + avg_fees_per_block_sats)::text AS reward FROM network_difficulty`,
    );
    const { rows: pools } = await t.db.query(`SELECT id, fee_bps FROM pools WHERE id = ANY($1::uuid[])`, [seed.poolIds]);
    const fee = new Map(pools.map((p) => [p.id, BigInt(p.fee_bps)]));
    let expectations = 0;
    for (const row of rows) {
      const m = market.find((x) => x.day === row.day);
      if (!m || row.deliveredGhs === null) {
        expect({ expectedSats: row.expectedSats, variancePct: row.variancePct, flagged: row.flagged }).toEqual({
          expectedSats: null,
          variancePct: null,
          flagged: false,
        });
        continue;
      }
      const ths = `${BigInt(row.deliveredGhs) / 1000n}.${(BigInt(row.deliveredGhs) % 1000n).toString().padStart(3, '0')}`;
      const exact = exactExpected(ths, m.difficulty, BigInt(m.reward), fee.get(row.poolId)!);
      expect(row.expectedSats).toBe(floorOf(exact).toString());
      const earnings = row.earningsSats === null ? null : BigInt(row.earningsSats);
      const judged = earnings !== null && exact.num > 0n;
      expect(row.variancePct).toBe(judged ? variancePct(earnings, exact) : null);
      expect(row.flagged).toBe(judged && earnings * 10_000n * exact.den < exact.num * 9_500n);
      expectations += 1;
    }
    expect(expectations).toBeGreaterThan(20);
    expect(rows.some((r) => r.flagged)).toBe(true);

    const csv = await t.http.get(`/v1/reconciliation?from=${seed.from}&to=${seed.to}&format=csv`, { token: finance.token });
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe(
      'poolId,day,earningsSats,expectedSats,variancePct,flagged,deliveredGhs,allocatedToCustomersSats,houseSats,electricityFeeSats,managementFeeSats,' +
        'arrearsCollectedSats,netCreditedSats,arrearsAddedMicroUsd,payoutsReceivedSats,receivableOutstandingSats,runStatus,contracts',
    );
    expect(lines).toHaveLength(rows.length + 1);
  });

  it('reads a year of 4 pools in as many statements as one day', async () => {
    const seed = await seedReconciliation(t.db, { tag: 2, pools: 4, from: '2022-01-01', days: 365, historyDays: 5 });
    const service = t.app.get(ReconciliationService);
    const runner = t.app.get(DataSource).createQueryRunner();
    const proto = Object.getPrototypeOf(runner) as { query: (...args: unknown[]) => Promise<unknown> };
    await runner.release();
    // Counts the statements sent on behalf of the report's own call only (not the worker's, if any runs meanwhile).
    const context = new AsyncLocalStorage<{ statements: number }>();
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      const counter = context.getStore();
      if (counter) counter.statements += 1;
      return original.apply(this, args);
    };
    const count = async (from: string, to: string) => {
      const counter = { statements: 0 };
      const result = await context.run(counter, () => service.report(from, to));
      return { statements: counter.statements, rows: result.rows.length };
    };
    try {
      const year = await count(seed.from, seed.to);
      const day = await count(seed.from, seed.from);
      // the grid, then difficulty, hash-rate reports and pool fees for the whole range (docs/settlement.md)
      expect(year.statements).toBe(4);
      expect(year.statements).toBe(day.statements);
      expect(year.rows).toBe(4 * 365);
      expect(day.rows).toBeGreaterThan(0);
    } finally {
      proto.query = original;
    }
  });
});
