import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { seedDayInputs, seedPopulation, type Seeded } from '../../seeds/settlement-seed.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { startRedis, startWorker, type WorkerProcess } from './processes.js';
import { expectedGross, runOf, trialBalance, waitFor, waitForRun } from './settlement-support.js';

const CONTRACTS = 200_000;

/**
 * Faults with real processes: workers are `node dist/src/main.js worker` children, killed with
 * SIGKILL; Redis is a server of this test's own, flushed mid-run. Each scenario settles its own
 * day of the same 200,000 contracts and is checked against the exact split computed here.
 */
describe('settlement survives killed workers, a flushed Redis and concurrent workers', () => {
  let t: TestApp;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let finance: TestUser;
  let seeded: Seeded;
  let workerEnv: Record<string, string>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const prefix = `f${randomBytes(4).toString('hex')}`;
    // The API only enqueues (role api); the work happens in the child workers.
    t = await startTestApp({ role: 'api', env: { REDIS_URL: redis.url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' } });
    finance = await createUser(t, 'finance');
    seeded = await seedPopulation(t.db, {
      tag: 'faults',
      contracts: CONTRACTS,
      customers: 20_000,
      startDay: '2025-05-01',
      termDays: 365,
      unsoldGhs: 5_000_000n,
    });
    workerEnv = {
      DATABASE_URL: t.config.DATABASE_URL,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      SETTLEMENT_CHUNK_SIZE: '10000',
      SETTLEMENT_CONCURRENCY: '1',
      SETTLEMENT_SWEEP_INTERVAL_MS: '2000',
      SETTLEMENT_SCHEDULER_ENABLED: 'true',
    };
  }, 300_000);

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await t?.close();
    await redis?.stop();
  }, 120_000);

  async function settle(day: string, earnings: bigint): Promise<void> {
    await seedDayInputs(t.db, seeded, day, { priceUsd: '100000', earningsSats: earnings });
    const res = await t.http.post('/v1/settlements/runs', { day }, { token: finance.token });
    expect(res.status).toBe(202);
  }

  async function chunksDone(day: string): Promise<number> {
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM settlement_chunks c JOIN settlement_runs r ON r.id = c.run_id WHERE r.pool_id = $1 AND r.day = $2 AND c.status = 'done'`,
      [seeded.poolId, day],
    );
    return rows[0].n;
  }

  /** Exactly one settlement per contract, each equal to the exact split, and a balanced ledger. */
  async function expectExactDay(day: string, earnings: bigint): Promise<void> {
    const run = await waitForRun(t.db, seeded.poolId, day, 0, 240_000);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT contract_id)::int AS d FROM contract_settlements WHERE pool_id = $1 AND day = $2`,
      [seeded.poolId, day],
    );
    expect(rows[0]).toEqual({ n: CONTRACTS, d: CONTRACTS });
    const expected = await expectedGross(t.db, seeded.poolId, earnings, BigInt(run.ratio_ppm), BigInt(run.house_weight));
    const got = await t.db.query(`SELECT contract_id, gross_sats::text AS g FROM contract_settlements WHERE pool_id = $1 AND day = $2`, [seeded.poolId, day]);
    let mismatches = 0;
    for (const row of got.rows) if (BigInt(row.g) !== expected.byContract.get(row.contract_id)) mismatches++;
    expect(mismatches).toBe(0);
    expect(BigInt(run.house_sats)).toBe(expected.house);
    expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
    const entries = await t.db.query(`SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS d FROM ledger_entries WHERE idempotency_key LIKE $1`, [
      `settlement:${seeded.poolId}:${day}:%`,
    ]);
    expect(entries.rows[0].n).toBe(entries.rows[0].d);
  }

  it('completes the day exactly once after its worker is SIGKILLed mid-run', async () => {
    const day = '2025-06-01';
    const earnings = 8_123_456_789n;
    const first = await startWorker(workerEnv);
    workers.push(first);
    await settle(day, earnings);
    await waitFor('a few chunks done', async () => (await chunksDone(day)) >= 3, 120_000, 50);
    await first.kill();
    const killedAt = await chunksDone(day);
    expect(killedAt).toBeLessThan(20);
    expect((await runOf(t.db, seeded.poolId, day)).status).toBe('running');
    const second = await startWorker(workerEnv);
    workers.push(second);
    await expectExactDay(day, earnings);
    await second.stop();
  }, 600_000);

  it('completes the day exactly once when Redis is flushed mid-run', async () => {
    const day = '2025-06-02';
    const earnings = 7_000_000_001n;
    const worker = await startWorker(workerEnv);
    workers.push(worker);
    await settle(day, earnings);
    await waitFor('a few chunks done', async () => (await chunksDone(day)) >= 3, 120_000, 50);
    const client = new Redis(redis.url);
    await client.flushall();
    await client.quit();
    expect(await chunksDone(day)).toBeLessThan(20);
    await expectExactDay(day, earnings);
    await worker.stop();
  }, 600_000);

  it('gives the same exact result with three workers at once', async () => {
    const day = '2025-06-03';
    const earnings = 1n + 6_543_210_987n;
    const three = await Promise.all([startWorker(workerEnv), startWorker(workerEnv), startWorker(workerEnv)]);
    workers.push(...three);
    await settle(day, earnings);
    await expectExactDay(day, earnings);
    for (const w of three) await w.stop();
  }, 600_000);
});
