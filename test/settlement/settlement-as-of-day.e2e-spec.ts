import { randomBytes } from 'node:crypto';
import { seedDayInputs, seedPopulation, type Seeded } from '../../seeds/settlement-seed.js';
import { FixedClock } from '../../src/common/clock/clock.js';
import { addDays } from '../../src/common/clock/utc-day.js';
import { SettlementEngine } from '../../src/modules/settlement/engine/settlement-engine.service.js';
import { SettlementRunsService } from '../../src/modules/settlement/runs/settlement-runs.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { netByCustomer, paidRows, runOf, trialBalance, triggerDay, yieldCredits } from './settlement-support.js';

/**
 * What a day settles is decided as of that day: a termination while the day is being settled,
 * or before a late day's earnings arrive, changes nothing about the days the contract was
 * delivered. The worker's steps are driven here one by one (the app runs as an API only).
 */
describe('settlement decides a day by its history as of that day', () => {
  const clock = new FixedClock(new Date('2025-07-15T12:00:00Z'));
  let t: TestApp;
  let finance: TestUser;
  let operator: TestUser;
  let engine: SettlementEngine;
  let runs: SettlementRunsService;

  beforeAll(async () => {
    t = await startTestApp({
      role: 'api',
      clock,
      env: { QUEUE_PREFIX: `a${randomBytes(4).toString('hex')}`, SETTLEMENT_CHUNK_SIZE: '100', SETTLEMENT_SCHEDULER_ENABLED: 'false', LOG_LEVEL: 'error' },
    });
    finance = await createUser(t, 'finance');
    operator = await createUser(t, 'operator');
    engine = t.app.get(SettlementEngine);
    runs = t.app.get(SettlementRunsService);
  }, 120_000);
  afterAll(async () => {
    await t.close();
  }, 120_000);

  const trigger = (day: string) => triggerDay(t.http, finance.token, day);

  /** What a worker does with a day: prepare its pending runs, settle every chunk, finalize. */
  async function driveDay(day: string, between?: (runId: string, chunkNo: number) => Promise<void>): Promise<void> {
    await runs.settleDay(day);
    const { rows } = await t.db.query(`SELECT id FROM settlement_runs WHERE day = $1 AND status = 'running' ORDER BY id`, [day]);
    for (const { id } of rows) {
      const { rows: chunks } = await t.db.query(`SELECT chunk_no FROM settlement_chunks WHERE run_id = $1 AND status <> 'done' ORDER BY chunk_no`, [id]);
      for (const c of chunks) {
        await engine.settleChunk(id, c.chunk_no);
        await between?.(id, c.chunk_no);
      }
      await engine.finalize(id);
    }
  }

  async function creditsOf(s: Seeded, day: string): Promise<Map<string, bigint>> {
    const credits = await yieldCredits(t.db, s.poolId, day);
    expect(credits.maxPostingsPerCustomer).toBeLessThanOrEqual(1);
    return credits.byCustomer;
  }

  it('completes a day whose product is terminated between its chunks, the terminated contracts credited, and the next day settles', async () => {
    clock.set(new Date('2025-07-15T12:00:00Z'));
    const s = await seedPopulation(t.db, { tag: 'midrun', contracts: 600, customers: 80, startDay: '2025-07-01', termDays: 60, unsoldGhs: 1_234_567n });
    await seedDayInputs(t.db, s, '2025-07-10', { priceUsd: '61000', earningsSats: 123_456_789n });
    await trigger('2025-07-10');
    let terminated = false;
    await driveDay('2025-07-10', async () => {
      if (terminated) return;
      terminated = true;
      const res = await t.http.post(`/v1/products/${s.productId}/terminate-contracts`, { reason: 'site lost power' }, { token: operator.token });
      expect(res.status).toBe(200);
      expect(res.body.terminated).toBe(600);
    });
    const run = await runOf(t.db, s.poolId, '2025-07-10');
    expect(run.status).toBe('completed');
    const rows = await paidRows(t.db, s.poolId, '2025-07-10');
    expect(rows).toHaveLength(600);
    expect(new Set(rows.map((r) => r.contract_id)).size).toBe(600);
    expect(await creditsOf(s, '2025-07-10')).toEqual(netByCustomer(rows));

    // Terminated on 2025-07-15: the days before it are still the contracts' days.
    await seedDayInputs(t.db, s, '2025-07-11', { priceUsd: '61000', earningsSats: 120_000_000n });
    await trigger('2025-07-11');
    await driveDay('2025-07-11');
    expect((await runOf(t.db, s.poolId, '2025-07-11')).status).toBe('completed');
    const next = await paidRows(t.db, s.poolId, '2025-07-11');
    expect(next).toHaveLength(600);
    expect(await creditsOf(s, '2025-07-11')).toEqual(netByCustomer(next));
    expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
  }, 120_000);

  it('credits a terminated contract for a day before its termination whose earnings came late; refund and settled days cover the term exactly', async () => {
    clock.set(new Date('2025-08-05T09:00:00Z'));
    const s = await seedPopulation(t.db, { tag: 'late', contracts: 12, customers: 5, startDay: '2025-07-20', termDays: 30, unsoldGhs: 50_000n });
    // 30 USD for 30 days: one dollar a day.
    await t.db.query(`UPDATE contracts SET price_paid_micro_usd = 30000000 WHERE pool_id = $1`, [s.poolId]);
    const days = Array.from({ length: 16 }, (_, i) => addDays('2025-07-20', i));
    // Earnings of the first 14 days arrive in time; the last two (08-03, 08-04) only after the termination.
    for (const day of days.slice(0, 14)) {
      await seedDayInputs(t.db, s, day, { priceUsd: '60000', earningsSats: 5_000_000n });
      await trigger(day);
      await driveDay(day);
    }
    const res = await t.http.post(`/v1/products/${s.productId}/terminate-contracts`, { reason: 'fleet sold' }, { token: operator.token });
    expect(res.status).toBe(200);
    for (const c of res.body.contracts) expect(c).toMatchObject({ undeliveredDays: 14, refundUsd: '14.000000' });
    for (const day of days.slice(14)) {
      await seedDayInputs(t.db, s, day, { priceUsd: '60000', earningsSats: 5_000_000n });
      await trigger(day);
      await driveDay(day);
      expect((await runOf(t.db, s.poolId, day)).status).toBe('completed');
      const rows = await paidRows(t.db, s.poolId, day);
      expect(rows).toHaveLength(12);
      expect(await creditsOf(s, day)).toEqual(netByCustomer(rows));
    }
    // The termination day itself is refunded, so it is not settled.
    await seedDayInputs(t.db, s, '2025-08-05', { priceUsd: '60000', earningsSats: 5_000_000n });
    clock.set(new Date('2025-08-06T09:00:00Z'));
    await trigger('2025-08-05');
    await driveDay('2025-08-05');
    expect(await paidRows(t.db, s.poolId, '2025-08-05')).toHaveLength(0);

    const { rows: cover } = await t.db.query(
      `SELECT k.id, k.term_days, count(DISTINCT cs.day)::int AS settled_days, count(cs.day)::int AS settled_rows,
              min(cs.day)::text AS first, max(cs.day)::text AS last, k.start_day::text AS start_day
         FROM contracts k LEFT JOIN contract_settlements cs ON cs.contract_id = k.id AND cs.seq = 0
        WHERE k.pool_id = $1 GROUP BY k.id`,
      [s.poolId],
    );
    for (const c of cover) {
      expect(c).toMatchObject({ settled_days: 16, settled_rows: 16, first: '2025-07-20', last: '2025-08-04', start_day: '2025-07-20' });
      expect(c.settled_days + 14).toBe(c.term_days);
    }
    expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
  }, 180_000);
});
