import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { customerAccount, platformAccount } from '../../src/modules/ledger/ledger.accounts.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import { AutoPayoutService } from '../../src/modules/payouts/auto-payout.service.js';
import { SimulationService } from '../../src/modules/simulation/sim/simulation.service.js';
import { at, SimulationClock, simulationStart } from '../../src/modules/simulation/sim/simulation-clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

const FROM = '2024-03-04';
const TO = '2024-03-09';

/** Operations views over a small simulated week (real settlement runs, outages, pool payouts, withdrawals). */
describe('operations views', () => {
  let t: TestApp;
  let operator: TestUser;
  let finance: TestUser;
  let customer: TestUser;
  const clock = new SimulationClock(simulationStart(FROM));

  beforeAll(async () => {
    t = await startTestApp({ clock });
    await t.app
      .get(SimulationService)
      .run({ from: FROM, days: 6, customers: 40, seed: 5, outDir: mkdtempSync(join(tmpdir(), 'hm-ops-')), outageRate: 0.2, autoPayoutThresholdSats: 10_000n });
    // One more day's automatic payouts, left waiting for finance: pending withdrawals to export. The
    // customers' balances were just paid out, so arrange one above its threshold (a credit, like a
    // fixture's funding) first.
    clock.advanceTo(at('2024-03-10', 6));
    const {
      rows: [auto],
    } = await t.db.query(`SELECT user_id FROM auto_payout_settings ORDER BY user_id LIMIT 1`);
    await t.app.get(LedgerService).transfer({
      type: 'test.credit',
      idempotencyKey: 'ops-test-credit',
      actor: SYSTEM_ACTOR,
      from: platformAccount('adjustments', 'BTC'),
      to: customerAccount(auto.user_id, 'BTC'),
      amount: 25_000n,
    });
    expect((await t.app.get(AutoPayoutService).run('2024-03-10')).created).toBe(1);
    operator = await createUser(t, 'operator');
    finance = await createUser(t, 'finance');
    customer = await createUser(t, 'customer');
  }, 600_000);
  afterAll(async () => t?.close());

  it('capacity history: online averaged over each day and sold per pool, as settlement saw them', async () => {
    const res = await t.http.get(`/v1/capacity/history?from=${FROM}&to=${TO}`, { token: operator.token });
    expect(res.status).toBe(200);
    expect(res.body.days.map((d: { day: string }) => d.day)).toEqual(['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08', '2024-03-09']);
    const { rows: runs } = await t.db.query(
      `SELECT pool_id, day::text AS day, online_ghs::text AS online, sold_ghs::text AS sold FROM settlement_runs WHERE seq = 0`,
    );
    expect(runs).toHaveLength(24);
    const ths = (ghs: string) => (BigInt(ghs) / 1000n).toString() + '.' + (BigInt(ghs) % 1000n).toString().padStart(3, '0');
    for (const run of runs) {
      const row = res.body.rows.find((r: { poolId: string; day: string }) => r.poolId === run.pool_id && r.day === run.day);
      expect(row).toBeDefined();
      expect(row.onlineThs).toBe(ths(run.online));
      expect(row.soldThs).toBe(ths(run.sold));
    }
    // An outage shows as less than installed online on that day.
    const { rows: outages } = await t.db.query(`SELECT count(*)::int AS n FROM fleet_status_changes WHERE to_status = 'offline'`);
    expect(outages[0].n).toBeGreaterThan(0);
    expect(res.body.rows.some((r: { onlineThs: string; installedThs: string }) => Number(r.onlineThs) < Number(r.installedThs))).toBe(true);

    const csv = await t.http.get(`/v1/capacity/history?from=${FROM}&to=${TO}&format=csv`, { token: operator.token });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = parse<Record<string, string>>(csv.text, { columns: true });
    expect(lines).toHaveLength(res.body.rows.length);
    expect(Object.keys(lines[0])).toEqual([
      'day',
      'poolId',
      'poolName',
      'installedThs',
      'onlineThs',
      'soldThs',
      'contracts',
      'deliveredThs',
      'uptimeBps',
      'utilisationPct',
    ]);
  });

  it('capacity history: roles and ranges are checked', async () => {
    expect((await t.http.get(`/v1/capacity/history?from=${FROM}&to=${TO}`, { token: customer.token })).status).toBe(403);
    const backwards = await t.http.get(`/v1/capacity/history?from=${TO}&to=${FROM}`, { token: operator.token });
    expect(backwards.status).toBe(400);
    expect(backwards.body.message).toMatch(/^to /);
    expect((await t.http.get(`/v1/capacity/history?from=2024-01-01&to=2025-06-01`, { token: operator.token })).status).toBe(400);
    expect((await t.http.get(`/v1/capacity/history?from=2024-02-30&to=${TO}`, { token: operator.token })).status).toBe(400);
    expect((await t.http.get(`/v1/capacity/history?from=${FROM}&to=${TO}&format=xml`, { token: operator.token })).status).toBe(400);
  });

  it('receivable aging: what pools still owe, oldest earnings cleared first, buckets add up', async () => {
    const res = await t.http.get(`/v1/reconciliation/receivable-aging?asOf=${TO}`, { token: finance.token });
    expect(res.status).toBe(200);
    const {
      rows: [totals],
    } = await t.db.query(
      `SELECT (SELECT sum(earnings_sats) FROM settlement_runs WHERE status = 'completed')::text AS earned, (SELECT coalesce(sum(amount_sats), 0) FROM pool_payouts)::text AS paid`,
    );
    expect(res.body.totalOutstandingSats).toBe((BigInt(totals.earned) - BigInt(totals.paid)).toString());
    for (const row of res.body.rows) {
      const buckets = ['days0To7Sats', 'days8To30Sats', 'days31To60Sats', 'days61To90Sats', 'over90DaysSats'].reduce((s, k) => s + BigInt(row[k]), 0n);
      expect(buckets.toString()).toBe(row.outstandingSats);
    }
    // The PPLNS pool pays weekly (Mondays): it still owes the days since 2024-03-04.
    const pplns = res.body.rows.find((r: { poolName: string }) => r.poolName === 'Cirrus Pool');
    expect(BigInt(pplns.outstandingSats)).toBeGreaterThan(0n);
    expect(pplns.oldestOpenDay).toBe('2024-03-04');
    const csv = await t.http.get(`/v1/reconciliation/receivable-aging?asOf=${TO}`, { token: finance.token, headers: { accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(parse(csv.text, { columns: true })).toHaveLength(4);
    expect((await t.http.get(`/v1/reconciliation/receivable-aging`, { token: operator.token })).status).toBe(403);
  });

  it('exports settlement runs and pending withdrawals as CSV for finance', async () => {
    const runs = await t.http.get(`/v1/exports/settlement-runs?from=${FROM}&to=${TO}`, { token: finance.token });
    expect(runs.status).toBe(200);
    expect(runs.headers.get('content-disposition')).toBe(`attachment; filename="settlement-runs-${FROM}-${TO}.csv"`);
    const lines = parse<Record<string, string>>(runs.text, { columns: true });
    expect(lines).toHaveLength(24);
    expect(lines[0].day).toBe(FROM);
    expect(lines.every((l) => l.status === 'completed')).toBe(true);
    const {
      rows: [sum],
    } = await t.db.query(`SELECT sum(net_sats)::text AS net FROM settlement_runs`);
    expect(lines.reduce((s, l) => s + BigInt(l.netSats), 0n).toString()).toBe(sum.net);

    const pending = await t.http.get(`/v1/exports/withdrawals-pending`, { token: finance.token });
    expect(pending.status).toBe(200);
    const withdrawals = parse<Record<string, string>>(pending.text, { columns: true });
    const { rows: open } = await t.db.query(
      `SELECT id FROM withdrawals WHERE status IN ('requested', 'approved', 'batched', 'broadcast') ORDER BY requested_at`,
    );
    expect(open.length).toBeGreaterThan(0);
    expect(withdrawals.map((w) => w.id)).toEqual(open.map((r) => r.id));
    expect(withdrawals.every((w) => w.status === 'requested' && w.source === 'auto')).toBe(true);
    expect((await t.http.get(`/v1/exports/withdrawals-pending`, { token: operator.token })).status).toBe(403);
    expect((await t.http.get(`/v1/exports/withdrawals-pending?status=confirmed`, { token: finance.token })).status).toBe(400);
  });

  it('exposes money and settlement gauges to Prometheus', async () => {
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    const value = (pattern: RegExp) => {
      const match = pattern.exec(res.text);
      if (!match) throw new Error(`metric ${pattern} not found`);
      return match[1];
    };
    const {
      rows: [house],
    } = await t.db.query(
      `SELECT sum(b.balance_minor)::text AS sats FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id WHERE a.name = 'house' AND a.currency = 'BTC' AND a.customer_id IS NULL`,
    );
    expect(value(/^ledger_balance_minor\{kind="platform",account="house",currency="BTC"\} (\S+)$/m)).toBe(house.sats);
    const {
      rows: [net],
    } = await t.db.query(`SELECT sum(net_sats)::text AS sats, sum(contract_count)::text AS contracts FROM settlement_runs`);
    expect(value(/^settlement_flow_sats_total\{kind="net"\} (\S+)$/m)).toBe(net.sats);
    expect(value(/^settlement_contracts_settled_total (\S+)$/m)).toBe(net.contracts);
    expect(value(/^settlement_run_duration_seconds_count (\S+)$/m)).toBe('24');
    const { rows: open } = await t.db.query(`SELECT count(*)::text AS n FROM withdrawals WHERE status = 'requested'`);
    expect(value(/^withdrawals_pending\{status="requested"\} (\S+)$/m)).toBe(open[0].n);
    expect(res.text).toMatch(/^settlement_earnings_variance_bps\{pool_id="[0-9a-f-]{36}"\} -?\d+$/m);
  });
});
