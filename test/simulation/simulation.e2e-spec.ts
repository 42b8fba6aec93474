import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulationService, type SimulationResult } from '../../src/modules/simulation/sim/simulation.service.js';
import { SimulationClock, simulationStart } from '../../src/modules/simulation/sim/simulation-clock.js';
import { renderReport } from '../support/report-render.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const FROM = '2024-04-15';
const DAYS = 10;

/**
 * A short simulation through the real code paths (services, the BullMQ worker in this process),
 * ten days around the April 2024 halving with 200 customers: the report ties out with the ledger
 * to the satoshi and report.html renders in headless Chromium.
 */
describe('simulation around the halving', () => {
  let t: TestApp;
  let result: SimulationResult;
  const outDir = mkdtempSync(join(tmpdir(), 'hm-sim-'));

  beforeAll(async () => {
    t = await startTestApp({ clock: new SimulationClock(simulationStart(FROM)) });
    result = await t.app
      .get(SimulationService)
      .run({ from: FROM, days: DAYS, customers: 200, seed: 11, outDir, outageRate: 0.1, autoPayoutThresholdSats: 10_000n });
  }, 600_000);
  afterAll(async () => t?.close());

  it('ties out: trial balance zero per currency; net + fees + house = pool earnings, to the satoshi', async () => {
    const failed = result.summary.tieOut.checks.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    expect(result.summary.tieOut.ok).toBe(true);

    // The same, straight from Postgres, independently of the services the report used.
    const { rows: totals } = await t.db.query(`SELECT currency, sum(balance_minor)::text AS total FROM ledger_balances GROUP BY currency ORDER BY currency`);
    expect(totals).toEqual([
      { currency: 'BTC', total: '0' },
      { currency: 'USD', total: '0' },
    ]);
    const {
      rows: [split],
    } = await t.db.query(
      `SELECT sum(earnings_sats)::text AS earnings, (sum(net_sats) + sum(electricity_fee_sats) + sum(management_fee_sats) + sum(arrears_collected_sats) + sum(house_sats))::text AS parts
         FROM settlement_runs WHERE status = 'completed'`,
    );
    const {
      rows: [earned],
    } = await t.db.query(`SELECT sum(amount_sats)::text AS sats FROM pool_earnings`);
    expect(split.parts).toBe(split.earnings);
    expect(split.earnings).toBe(earned.sats);
    expect(BigInt(earned.sats)).toBe(result.rows.reduce((s, r) => s + r.poolEarningsSats, 0n));
    const net = result.rows.reduce((s, r) => s + r.customerNetSats, 0n);
    const {
      rows: [credited],
    } = await t.db.query(
      `SELECT sum(p.amount_minor)::text AS sats FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id JOIN ledger_accounts a ON a.id = p.account_id
        WHERE e.type = 'settlement.yield' AND a.customer_id IS NOT NULL`,
    );
    expect(BigInt(credited.sats)).toBe(net);
    expect(net).toBeGreaterThan(0n);
  });

  it('paid customers out automatically once their addresses were past the 48 h lock, and the payouts tie out too', async () => {
    const paid = result.rows.reduce((s, r) => s + r.payoutsSats, 0n);
    expect(paid).toBeGreaterThan(0n);
    expect(result.summary.tieOut.checks.find((c) => c.name.startsWith('payouts'))).toMatchObject({ expected: paid.toString(), ok: true });
    const { rows } = await t.db.query(
      `SELECT w.status, count(*)::int AS n, bool_and(w.requested_at >= a.usable_from) AS after_lock, sum(w.amount_sats)::text AS sats
         FROM withdrawals w JOIN payout_addresses a ON a.id = w.address_id WHERE w.source = 'auto' GROUP BY w.status`,
    );
    expect(rows).toEqual([{ status: 'confirmed', n: result.stats.withdrawals, after_lock: true, sats: paid.toString() }]);
    // The outages were real status changes, and settlement saw them as lower online capacity.
    const { rows: outages } = await t.db.query(`SELECT count(*)::int AS n FROM fleet_status_changes WHERE to_status = 'offline'`);
    expect(outages[0].n).toBe(result.stats.outages);
    expect(result.stats.outages).toBeGreaterThan(0);
  });

  it('walked every day through settlement, with the halving in the data', async () => {
    expect(result.rows.map((r) => r.day)).toEqual(Array.from({ length: DAYS }, (_, i) => new Date(Date.UTC(2024, 3, 15 + i)).toISOString().slice(0, 10)));
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS runs, count(DISTINCT day)::int AS days, bool_and(status = 'completed') AS done FROM settlement_runs`,
    );
    expect(rows[0]).toEqual({ runs: DAYS * 4, days: DAYS, done: true });
    const before = result.rows.find((r) => r.day === '2024-04-19')!;
    const after = result.rows.find((r) => r.day === '2024-04-21')!;
    expect(before.hashpriceSatsPerThDay).toBe(150n);
    expect(after.hashpriceSatsPerThDay).toBe(74n);
    expect(result.summary.contracts).toBeGreaterThanOrEqual(200);
    // Contracts start the day after purchase: the first day settles the house only.
    expect(result.rows[0].contractsSettled).toBe(0);
    expect(result.rows[DAYS - 1].contractsSettled).toBeGreaterThanOrEqual(200);
    const { rows: jobs } = await t.db.query(`SELECT count(*)::int AS n FROM hashrate_reports`);
    expect(jobs[0].n).toBe(DAYS * 4);
  });

  it('wrote daily.csv, summary.txt and a report.html that draws its four charts offline', async () => {
    const csv = readFileSync(join(outDir, 'daily.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(DAYS + 1);
    expect(csv[0]).toMatch(/^day,btc_usd,difficulty,hashprice_sats_per_th_day,/);
    expect(readFileSync(join(outDir, 'summary.txt'), 'utf8')).toMatch(/tie-out: ok/);
    const rendered = await renderReport(join(outDir, 'report.html'));
    expect(rendered.painted).toHaveLength(4);
    for (const inked of rendered.painted) expect(inked).toBeGreaterThan(500);
    expect(rendered.tieOut).toBe('ok');
    expect(rendered.consoleErrors).toEqual([]);
    expect(rendered.requests).toEqual([]);
  });
});
