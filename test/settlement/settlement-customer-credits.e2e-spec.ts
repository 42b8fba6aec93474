import { randomBytes } from 'node:crypto';
import { seedDayInputs, seedPopulation, type Seeded } from '../../seeds/settlement-seed.js';
import { SettlementEngine } from '../../src/modules/settlement/engine/settlement-engine.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { runOf, trialBalance } from './settlement-support.js';

/**
 * How a run credits its customers: a chunk is a customer-id range, keeps what each of its
 * customers is owed, and the finalizer posts each chunk's customers from it. The steps are
 * driven here one by one (the app runs as an API only, so no worker takes the queued jobs).
 */
describe('settlement credits customers chunk by chunk', () => {
  let t: TestApp;
  let finance: TestUser;
  let seeded: Seeded;
  let engine: SettlementEngine;

  beforeAll(async () => {
    t = await startTestApp({
      role: 'api',
      env: {
        QUEUE_PREFIX: `c${randomBytes(4).toString('hex')}`,
        SETTLEMENT_CHUNK_SIZE: '100',
        SETTLEMENT_CONCURRENCY: '2',
        SETTLEMENT_SCHEDULER_ENABLED: 'false',
        LOG_LEVEL: 'error',
      },
    });
    finance = await createUser(t, 'finance');
    seeded = await seedPopulation(t.db, { tag: 'credits', contracts: 600, customers: 80, startDay: '2025-07-01', termDays: 60, unsoldGhs: 7_654_321n });
    engine = t.app.get(SettlementEngine);
  }, 120_000);
  afterAll(async () => {
    await t.close();
  }, 120_000);

  /** Opens the day's run and settles its chunks; returns the run id and its chunk rows. */
  async function settleChunks(day: string, earnings: bigint) {
    await seedDayInputs(t.db, seeded, day, { priceUsd: '61000', earningsSats: earnings });
    const res = await t.http.post('/v1/settlements/runs', { day }, { token: finance.token });
    expect(res.status).toBe(202);
    const run = await runOf(t.db, seeded.poolId, day);
    expect(await engine.prepare(run.id, 1)).toBe('prepared');
    const { rows: chunks } = await t.db.query(`SELECT chunk_no, id_from, id_to FROM settlement_chunks WHERE run_id = $1 ORDER BY chunk_no`, [run.id]);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect((await engine.settleChunk(run.id, c.chunk_no)).done).toBe(true);
    return { runId: run.id as string, chunks };
  }

  /** Per customer, the sum of the day's net (the truth the credits must match). */
  async function netByCustomer(day: string): Promise<Map<string, bigint>> {
    const { rows } = await t.db.query(
      `SELECT customer_id, sum(net_sats)::text AS net FROM contract_settlements WHERE pool_id = $1 AND day = $2 AND seq = 0 GROUP BY customer_id HAVING sum(net_sats) <> 0`,
      [seeded.poolId, day],
    );
    return new Map(rows.map((r) => [r.customer_id as string, BigInt(r.net)]));
  }

  /** Per customer, what the day's yield entries credited, and the entries' keys. */
  async function creditsOf(day: string): Promise<{ byCustomer: Map<string, bigint>; postings: number; keys: string[] }> {
    const { rows } = await t.db.query(
      `SELECT a.customer_id, p.amount_minor::text AS amount, e.idempotency_key
         FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id
        WHERE e.type = 'settlement.yield' AND e.idempotency_key LIKE $1 AND a.customer_id IS NOT NULL`,
      [`settlement:${seeded.poolId}:${day}:s0:%`],
    );
    const byCustomer = new Map<string, bigint>();
    for (const r of rows) byCustomer.set(r.customer_id, (byCustomer.get(r.customer_id) ?? 0n) + BigInt(r.amount));
    return { byCustomer, postings: rows.length, keys: [...new Set(rows.map((r) => r.idempotency_key as string))] };
  }

  it('keeps each customer in the chunk of its id range, with the sum of their contracts', async () => {
    const day = '2025-07-10';
    const { runId, chunks } = await settleChunks(day, 123_456_789n);
    const truth = await netByCustomer(day);
    const kept = new Map<string, bigint>();
    for (const c of chunks) {
      const { rows } = await t.db.query(
        `SELECT o.customer_id, o.net::text AS net FROM settlement_chunks k, unnest(k.customer_ids, k.customer_net_sats) AS o(customer_id, net)
          WHERE k.run_id = $1 AND k.chunk_no = $2`,
        [runId, c.chunk_no],
      );
      for (const r of rows) {
        expect(r.customer_id >= c.id_from && r.customer_id <= c.id_to).toBe(true);
        expect(kept.has(r.customer_id)).toBe(false);
        kept.set(r.customer_id, BigInt(r.net));
      }
    }
    expect(kept).toEqual(truth);

    expect(await engine.finalize(runId)).toBe(true);
    const credits = await creditsOf(day);
    expect(credits.byCustomer).toEqual(truth);
    expect(credits.postings).toBe(truth.size);
    expect(credits.keys.every((k) => /:customers-\d+-\d+$/.test(k))).toBe(true);
    expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
  }, 60_000);

  it('credits once when two finalizers race for the same run', async () => {
    const day = '2025-07-11';
    const { runId } = await settleChunks(day, 98_765_432n);
    const results = await Promise.all([engine.finalize(runId), engine.finalize(runId)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await engine.finalize(runId)).toBe(false);
    const truth = await netByCustomer(day);
    const credits = await creditsOf(day);
    expect(credits.byCustomer).toEqual(truth);
    expect(credits.postings).toBe(truth.size);
    expect((await runOf(t.db, seeded.poolId, day)).status).toBe('completed');
    expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
  }, 60_000);
});
