import { randomBytes } from 'node:crypto';
import { seedDayInputs, seedPopulation, type Seeded } from '../../seeds/settlement-seed.js';
import { JwtAccessTokenVerifier } from '../../src/modules/auth/jwt-access-token.verifier.js';
import { SettlementEngine } from '../../src/modules/settlement/engine/settlement-engine.service.js';
import { SettlementRunsService } from '../../src/modules/settlement/runs/settlement-runs.service.js';
import { SettlementInvariantError } from '../../src/modules/settlement/settlement.errors.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { netByCustomer, paidRows, runOf, trialBalance, triggerDay, yieldCredits } from './settlement-support.js';

type Step = 'prepared' | 'some chunks' | 'all chunks' | 'checks' | 'some credits';

/**
 * A run that failed after prepare, at any step, is retried through the API to completion:
 * each contract-day credited exactly once, its carried state (uptime shortfall) counted once,
 * and until then the customer is told the day is not paid and why. The worker's steps are
 * driven here one by one (the app runs as an API only); a failure is what the settlement job
 * does with a domain error (engine.fail), after the step's work committed.
 */
describe('a failed settlement run is retried to completion through the API', () => {
  let t: TestApp;
  let finance: TestUser;
  let s: Seeded;
  let engine: SettlementEngine;
  let runs: SettlementRunsService;
  let customer: { id: string; token: string; contractId: string; hashrate: bigint };

  beforeAll(async () => {
    t = await startTestApp({
      role: 'api',
      env: {
        QUEUE_PREFIX: `r${randomBytes(4).toString('hex')}`,
        SETTLEMENT_CHUNK_SIZE: '100',
        SETTLEMENT_CONCURRENCY: '2',
        SETTLEMENT_SCHEDULER_ENABLED: 'false',
        LOG_LEVEL: 'error',
      },
    });
    finance = await createUser(t, 'finance');
    engine = t.app.get(SettlementEngine);
    runs = t.app.get(SettlementRunsService);
    // Uptime guarantee 95%: every day below delivers 90%, so every contract carries undelivered hash rate.
    s = await seedPopulation(t.db, {
      tag: 'retry',
      contracts: 500,
      customers: 60,
      startDay: '2025-06-01',
      termDays: 90,
      unsoldGhs: 2_000_000n,
      uptimeGuaranteeBps: 9500,
    });
    const { rows } = await t.db.query(`SELECT id, customer_id, hashrate_ghs::text AS h FROM contracts WHERE pool_id = $1 ORDER BY id LIMIT 1`, [s.poolId]);
    const token = await t.app.get(JwtAccessTokenVerifier).sign({ userId: rows[0].customer_id, role: 'customer', email: 'seeded@example.test' });
    customer = { id: rows[0].customer_id, token, contractId: rows[0].id, hashrate: BigInt(rows[0].h) };
  }, 120_000);
  afterAll(async () => {
    await t.close();
  }, 120_000);

  const trigger = (day: string) => triggerDay(t.http, finance.token, day);

  async function chunksOf(runId: string, pendingOnly: boolean): Promise<number[]> {
    const { rows } = await t.db.query(
      `SELECT chunk_no FROM settlement_chunks WHERE run_id = $1 ${pendingOnly ? `AND status <> 'done'` : ''} ORDER BY chunk_no`,
      [runId],
    );
    return rows.map((r) => r.chunk_no as number);
  }

  /** What a worker does with the day's run: prepare it when pending, settle its chunks, finalize. */
  async function driveRun(day: string): Promise<void> {
    await runs.settleDay(day);
    const run = await runOf(t.db, s.poolId, day);
    expect(run.status).toBe('running');
    for (const c of await chunksOf(run.id, true)) await engine.settleChunk(run.id, c);
    await engine.finalize(run.id);
  }

  /** Takes the day's run to `step` and fails it there as the settlement job does on a domain error. */
  async function failAt(day: string, step: Step): Promise<void> {
    await runs.settleDay(day);
    const run = await runOf(t.db, s.poolId, day);
    expect(run.status).toBe('running');
    const chunks = await chunksOf(run.id, false);
    expect(chunks.length).toBeGreaterThan(2);
    const toSettle = step === 'prepared' ? [] : step === 'some chunks' ? chunks.slice(0, 2) : chunks;
    for (const c of toSettle) await engine.settleChunk(run.id, c);
    if (step === 'checks') {
      // The plan and the chunks disagree (what a set changing under a run used to cause).
      await t.db.query(`UPDATE settlement_runs SET house_planned_sats = house_planned_sats + 1 WHERE id = $1`, [run.id]);
      await expect(engine.finalize(run.id)).rejects.toBeInstanceOf(SettlementInvariantError);
      await t.db.query(`UPDATE settlement_runs SET house_planned_sats = house_planned_sats - 1 WHERE id = $1`, [run.id]);
    }
    if (step === 'some credits') {
      // The platform entry fails after the customers' entries committed.
      await t.db.query(`CREATE FUNCTION test_refuse_pool_day() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$`);
      await t.db.query(
        `CREATE TRIGGER test_refuse_pool_day BEFORE INSERT ON ledger_entries FOR EACH ROW WHEN (NEW.type = 'settlement.pool_day') EXECUTE FUNCTION test_refuse_pool_day()`,
      );
      try {
        await expect(engine.finalize(run.id)).rejects.toThrow(/refused for the test/);
      } finally {
        await t.db.query(`DROP TRIGGER test_refuse_pool_day ON ledger_entries`);
        await t.db.query(`DROP FUNCTION test_refuse_pool_day()`);
      }
      expect((await creditsOf(day)).size).toBeGreaterThan(0);
    }
    await engine.fail(run.id, `injected failure at ${step}`);
    expect((await runOf(t.db, s.poolId, day)).status).toBe('failed');
  }

  async function creditsOf(day: string): Promise<Map<string, bigint>> {
    const credits = await yieldCredits(t.db, s.poolId, day);
    expect(credits.maxPostingsPerCustomer).toBeLessThanOrEqual(1);
    return credits.byCustomer;
  }

  /** The rows that count (the completed run's attempt), per customer. */
  async function paidNet(day: string): Promise<{ contracts: number; byCustomer: Map<string, bigint> }> {
    const rows = await paidRows(t.db, s.poolId, day);
    return { contracts: new Set(rows.map((r) => r.contract_id)).size, byCustomer: netByCustomer(rows) };
  }

  async function dayInView(day: string) {
    const res = await t.http.get(`/v1/contracts/${customer.contractId}/settlements?from=${day}&to=${day}`, { token: customer.token });
    expect(res.status).toBe(200);
    return res.body.days.find((d: { day: string }) => d.day === day);
  }

  const steps: Step[] = ['prepared', 'some chunks', 'all chunks', 'checks', 'some credits'];
  let settledDays = 0;

  it.each(steps.map((step, i) => [step, `2025-06-${String(10 + i).padStart(2, '0')}`]))(
    'after a failure at %s (day %s)',
    async (step, day) => {
      await seedDayInputs(t.db, s, day, { priceUsd: '64000', earningsSats: 98_765_432n, deliveredGhs: (s.soldGhs * 9n) / 10n });
      await trigger(day);
      await failAt(day, step);

      // Not paid, and why; rows the failed attempt wrote are not shown as paid.
      const before = await dayInView(day);
      expect(before).toMatchObject({ settled: false });
      expect(before.reason).toMatch(/not paid yet.*failed/i);

      // The pool's next day waits for this one.
      await trigger(day);
      const retried = await runOf(t.db, s.poolId, day);
      expect(['pending', 'running']).toContain(retried.status);
      await driveRun(day);
      settledDays++;

      const run = await runOf(t.db, s.poolId, day);
      expect(run.status).toBe('completed');
      const paid = await paidNet(day);
      expect(paid.contracts).toBe(500);
      expect(await creditsOf(day)).toEqual(paid.byCustomer);
      const { rows: keys } = await t.db.query(
        `SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS d FROM ledger_entries WHERE idempotency_key LIKE $1`,
        [`settlement:${s.poolId}:${day}:%`],
      );
      expect(keys[0].n).toBe(keys[0].d);

      // The uptime shortfall of each settled day is carried once, whatever the attempts.
      const { rows: state } = await t.db.query(`SELECT undelivered_ghs_ppm_days::text AS u FROM contract_settlement_states WHERE contract_id = $1`, [
        customer.contractId,
      ]);
      expect(BigInt(state[0].u)).toBe(customer.hashrate * BigInt(1_000_000 - Number(run.ratio_ppm)) * BigInt(settledDays));

      const after = await dayInView(day);
      expect(after.settled).toBe(true);
      const { rows: own } = await t.db.query(
        `SELECT net_sats::text AS net FROM contract_settlements WHERE contract_id = $1 AND day = $2 AND seq = 0 AND attempt = $3`,
        [customer.contractId, day, run.attempt],
      );
      expect(after.settlements).toHaveLength(1);
      expect(after.settlements[0].netSats).toBe(own[0].net);
      expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
    },
    120_000,
  );

  it("settles the pool's next day after the retried ones", async () => {
    const day = '2025-06-15';
    await seedDayInputs(t.db, s, day, { priceUsd: '64000', earningsSats: 50_000_000n });
    await trigger(day);
    await driveRun(day);
    expect((await runOf(t.db, s.poolId, day)).status).toBe('completed');
    expect((await paidNet(day)).contracts).toBe(500);
  }, 60_000);
});
