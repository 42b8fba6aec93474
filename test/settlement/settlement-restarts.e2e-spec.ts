import { randomBytes } from 'node:crypto';
import { type ConnectionOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { seedDayInputs, seedPopulation, type Seeded } from '../../seeds/settlement-seed.js';
import { JOBS, QUEUES } from '../../src/common/queue/queue-names.js';
import { redisOptionsFromUrl } from '../../src/common/queue/redis-options.js';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres.js';
import { OwnRedis } from '../support/processes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { startWorker, type WorkerProcess } from './processes.js';
import { expectedGross, trialBalance, waitFor } from './settlement-support.js';

const CONTRACTS = 40_000;
const SWEEP_MS = 1000;
// What a sweep that is busy when Redis is flushed may still take before the next one starts.
const SWEEP_MARGIN_MS = 1500;

/**
 * Settlement against a Postgres and a Redis this file owns (initdb on a free port; a
 * redis-server of its own), so it may flush, kill and restart them and read the server's log.
 * The API is in-process (it only enqueues); workers are `node dist/src/main.js worker`
 * children with the sweep every second. 40,000 contracts in chunks of 1,000: several seconds
 * of work to restart things in the middle of.
 */
describe('settlement across a flushed Redis, a restarted Redis and a restarted Postgres', () => {
  let pg: OwnPostgres;
  let redis: OwnRedis;
  let t: TestApp;
  let queue: Queue;
  let finance: TestUser;
  let seeded: Seeded;
  let workerEnv: Record<string, string>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startOwnPostgres(), OwnRedis.start()]);
    const prefix = `r${randomBytes(4).toString('hex')}`;
    t = await startTestApp({ role: 'api', databaseUrl: pg.url, env: { REDIS_URL: redis.url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' } });
    finance = await createUser(t, 'finance');
    seeded = await seedPopulation(t.db, {
      tag: 'restarts',
      contracts: CONTRACTS,
      customers: 4_000,
      startDay: '2025-05-01',
      termDays: 365,
      unsoldGhs: 5_000_000n,
    });
    await t.db.query('ANALYZE');
    queue = new Queue(QUEUES.settlement, { connection: redisOptionsFromUrl(redis.url) as ConnectionOptions, prefix });
    queue.on('error', () => undefined); // the Redis restart below
    workerEnv = {
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      DATABASE_POOL_SIZE: '10',
      SETTLEMENT_CHUNK_SIZE: '1000',
      SETTLEMENT_CONCURRENCY: '2',
      SETTLEMENT_SWEEP_INTERVAL_MS: String(SWEEP_MS),
      SETTLEMENT_SCHEDULER_ENABLED: 'true',
    };
  }, 300_000);

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await queue?.close();
    await t?.close();
    await redis?.stop();
    await pg?.stop();
  }, 120_000);

  async function workersStarted(n: number): Promise<WorkerProcess[]> {
    const started = await Promise.all(Array.from({ length: n }, () => startWorker(workerEnv)));
    workers.push(...started);
    return started;
  }

  /** A query that rides out the restarted server: a connection it broke fails once, the next one works. */
  async function query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await t.db.query(sql, params)).rows as T[];
      } catch (error) {
        if (attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async function settle(day: string, earnings: bigint): Promise<void> {
    await seedDayInputs(t.db, seeded, day, { priceUsd: '100000', earningsSats: earnings });
    const res = await t.http.post('/v1/settlements/runs', { day }, { token: finance.token });
    expect(res.status).toBe(202);
  }

  async function run(day: string): Promise<Record<string, string> | undefined> {
    return (await query<Record<string, string>>(`SELECT * FROM settlement_runs WHERE pool_id = $1 AND day = $2 AND seq = 0`, [seeded.poolId, day]))[0];
  }

  async function chunksDone(day: string): Promise<number> {
    const rows = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM settlement_chunks c JOIN settlement_runs r ON r.id = c.run_id WHERE r.pool_id = $1 AND r.day = $2 AND c.status = 'done'`,
      [seeded.poolId, day],
    );
    return rows[0].n;
  }

  /** Settling is under way: some chunks done, most not. */
  async function midRun(day: string): Promise<void> {
    await waitFor('a few chunks done', async () => (await chunksDone(day)) >= 4, 120_000, 20);
    expect((await run(day))?.status).toBe('running');
    expect(await chunksDone(day)).toBeLessThan(30);
  }

  /**
   * The day settled exactly once: one row per contract, each the exact split, the ledger
   * balanced, one entry per idempotency key, and every customer's BTC balance exactly what
   * their contracts netted over the days settled so far (a double credit would show here).
   */
  async function expectSettledOnce(day: string, earnings: bigint): Promise<void> {
    const done = await waitFor(
      `run of ${day} completed`,
      async () => {
        const r = await run(day);
        if (r?.status === 'failed') throw new Error(`run failed: ${r.error}`);
        return r?.status === 'completed' ? r : undefined;
      },
      240_000,
    );
    const [rows] = await query(`SELECT count(*)::int AS n, count(DISTINCT contract_id)::int AS d FROM contract_settlements WHERE pool_id = $1 AND day = $2`, [
      seeded.poolId,
      day,
    ]);
    expect(rows).toEqual({ n: CONTRACTS, d: CONTRACTS });
    const expected = await expectedGross(t.db, seeded.poolId, earnings, BigInt(done.ratio_ppm), BigInt(done.house_weight));
    const got = await query<{ contract_id: string; g: string }>(
      `SELECT contract_id, gross_sats::text AS g FROM contract_settlements WHERE pool_id = $1 AND day = $2`,
      [seeded.poolId, day],
    );
    expect(got.filter((r) => BigInt(r.g) !== expected.byContract.get(r.contract_id))).toEqual([]);
    expect(BigInt(done.house_sats)).toBe(expected.house);
    expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
    const [entries] = await query(`SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS d FROM ledger_entries WHERE idempotency_key LIKE $1`, [
      `settlement:${seeded.poolId}:${day}:%`,
    ]);
    expect(entries.n).toBe(entries.d);
    expect(entries.n).toBeGreaterThan(0);
    const wrong = await query(
      `WITH owed AS (SELECT c.customer_id, sum(s.net_sats) AS sats FROM contract_settlements s JOIN contracts c ON c.id = s.contract_id GROUP BY 1),
            held AS (SELECT a.customer_id, sum(b.balance_minor) AS sats FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id
                      WHERE a.customer_id IS NOT NULL AND a.currency = 'BTC' AND a.name = 'available' GROUP BY 1)
       SELECT customer_id, owed.sats::text AS owed, held.sats::text AS held FROM owed FULL JOIN held USING (customer_id)
        WHERE coalesce(owed.sats, 0) <> coalesce(held.sats, 0) LIMIT 5`,
    );
    expect(wrong).toEqual([]);
  }

  async function finalizeJobQueued(): Promise<boolean> {
    const jobs = await queue.getJobs(['waiting', 'waiting-children', 'active', 'prioritized', 'delayed']);
    return jobs.some((job) => job?.name === JOBS.settlement.finalizeRun);
  }

  it('two workers sweep side by side without leaking the sweep lock; after FLUSHALL the run is back on the queue within two sweep intervals', async () => {
    const day = '2025-06-01';
    const earnings = 3_123_456_789n;
    const two = await workersStarted(2);
    await settle(day, earnings);
    await midRun(day);

    const flusher = new Redis(redis.url);
    await flusher.flushall();
    const flushedAt = Date.now();
    await flusher.quit();
    await waitFor('the sweep to add the flow again', () => finalizeJobQueued(), 60_000, 20);
    const resumedAfterMs = Date.now() - flushedAt;

    await expectSettledOnce(day, earnings);
    // A sweep's lock taken on one pooled connection and released on another makes Postgres say so.
    expect(pg.log()).not.toMatch(/you don't own a lock/);
    expect(resumedAfterMs).toBeLessThanOrEqual(2 * SWEEP_MS + SWEEP_MARGIN_MS);
    for (const w of two) await w.stop();
  }, 600_000);

  it('completes the run exactly once when Redis is killed and restarted (empty) in the middle of it', async () => {
    const day = '2025-06-02';
    const earnings = 2_000_000_003n;
    const two = await workersStarted(2);
    await settle(day, earnings);
    await midRun(day);
    await redis.kill();
    await redis.start(); // same port, nothing kept on disk: the flow is gone
    await expectSettledOnce(day, earnings);
    for (const w of two) expect(w.child.exitCode).toBeNull();
    for (const w of two) await w.stop();
  }, 600_000);

  it('completes the run exactly once when Postgres restarts (immediate: every backend killed) in the middle of it', async () => {
    const day = '2025-06-03';
    const earnings = 4_999_999_997n;
    const two = await workersStarted(2);
    await settle(day, earnings);
    await midRun(day);
    await pg.restartImmediate();
    await expectSettledOnce(day, earnings);
    for (const w of two) expect(w.child.exitCode).toBeNull();
    for (const w of two) await w.stop();
  }, 600_000);

  it('completes the run exactly once when Postgres restarts while the finalizer is crediting customers', async () => {
    const day = '2025-06-04';
    const earnings = 5_432_109_876n;
    const two = await workersStarted(2);
    await settle(day, earnings);
    // The finalizer posts the customers' entries chunk by chunk before the platform entry and the
    // completion: restart once the first of them is there and the run is not complete.
    const seen = await waitFor(
      'the first customer entries',
      async () => {
        const [posted] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key LIKE $1`, [
          `settlement:${seeded.poolId}:${day}:%`,
        ]);
        return posted.n > 0 ? { entries: posted.n, status: (await run(day))?.status } : undefined;
      },
      120_000,
      5,
    );
    await pg.restartImmediate();
    expect(seen.status).toBe('running');
    await expectSettledOnce(day, earnings);
    for (const w of two) expect(w.child.exitCode).toBeNull();
    for (const w of two) await w.stop();
  }, 600_000);
});
