import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createWorkerContext } from '../src/app/create-app.js';
import { loadConfig } from '../src/config/load-config.js';
import { ReconciliationService } from '../src/modules/settlement/views/reconciliation.service.js';
import { seedReconciliation } from '../seeds/reconciliation-seed.js';
import { freshBenchDatabase } from './bench-database.js';

/**
 * bench:reconciliation: GET /v1/reconciliation's work (ReconciliationService.report) over a year
 * of 4 pools (1,464 pool-days), against a floor measured in the same run: one plain SQL statement
 * that reads the same inputs for the same grid (earnings, runs, payouts and the receivable to
 * date, difficulty, hash-rate reports, pool fees), with no arithmetic in Node.
 *   npm run bench:reconciliation
 * Settings: BENCH_DATABASE_URL (dropped and recreated), BENCH_REDIS_URL, BENCH_REPEAT (7).
 */
const env = process.env;
const BENCH_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hashmarket_bench_reconciliation';
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/2';
const REPEAT = Number.parseInt(env.BENCH_REPEAT ?? '7', 10);
const FROM = '2024-01-01';
const DAYS = 366;
const POOLS = 4;

const FLOOR_SQL = `
WITH grid AS (
  SELECT p.id AS pool_id, p.fee_bps, d::date AS day FROM pools p CROSS JOIN generate_series($1::date, $2::date, interval '1 day') d
), runs AS (
  SELECT pool_id, day, sum(net_sats) FILTER (WHERE status = 'completed') AS net, max(delivered_ghs) FILTER (WHERE seq = 0) AS delivered
    FROM settlement_runs WHERE day BETWEEN $1 AND $2 GROUP BY pool_id, day
), delta AS (
  SELECT pool_id, day, sum(sats) AS sats FROM (
    SELECT pool_id, day, earnings_sats AS sats FROM settlement_runs WHERE status = 'completed' AND day <= $2
    UNION ALL
    SELECT pool_id, (received_at AT TIME ZONE 'UTC')::date, -amount_sats FROM pool_payouts WHERE received_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
  ) x GROUP BY pool_id, day
), opening AS (
  SELECT pool_id, sum(sats) AS sats FROM delta WHERE day < $1 GROUP BY pool_id
)
SELECT g.pool_id, g.day, e.amount_sats, r.net, coalesce(h.delivered_ghs, r.delivered) AS delivered, n.difficulty, n.block_subsidy_sats + n.avg_fees_per_block_sats AS reward, g.fee_bps,
       coalesce(o.sats, 0) + sum(coalesce(dl.sats, 0)) OVER (PARTITION BY g.pool_id ORDER BY g.day) AS outstanding
  FROM grid g
  LEFT JOIN pool_earnings e ON e.pool_id = g.pool_id AND e.day = g.day
  LEFT JOIN runs r ON r.pool_id = g.pool_id AND r.day = g.day
  LEFT JOIN delta dl ON dl.pool_id = g.pool_id AND dl.day = g.day
  LEFT JOIN opening o ON o.pool_id = g.pool_id
  LEFT JOIN hashrate_reports h ON h.pool_id = g.pool_id AND h.day = g.day
  LEFT JOIN network_difficulty n ON n.day = g.day
 ORDER BY g.day, g.pool_id`;

const log = (line: string) => process.stdout.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up: plans, connections, JIT off the path
  const out: number[] = [];
  for (let i = 0; i < REPEAT; i += 1) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  await freshBenchDatabase(BENCH_URL);
  const db = new pg.Pool({ connectionString: BENCH_URL, max: 4 });
  const seed = await seedReconciliation(db, { tag: 9, pools: POOLS, from: FROM, days: DAYS, historyDays: 30 });
  await db.query('VACUUM ANALYZE');

  const config = loadConfig({
    ...env,
    NODE_ENV: 'test',
    DATABASE_URL: BENCH_URL,
    REDIS_URL,
    QUEUE_PREFIX: `bench${process.pid}`,
    LOG_LEVEL: 'error',
    MIGRATE_ON_START: 'false',
  });
  const app = await createWorkerContext({ config: { ...config, APP_ROLE: 'api' }, role: 'api', quiet: true });
  const service = app.get(ReconciliationService);
  let rows = 0;
  const appMs = await time(async () => {
    rows = (await service.report(seed.from, seed.to)).rows.length;
  });
  await app.close();
  const floorMs = await time(() => db.query(FLOOR_SQL, [seed.from, seed.to]));
  await db.end();

  const ms = (x: number) => x.toFixed(1);
  log(`reconciliation report, ${POOLS} pools x ${DAYS} days (${rows} rows), ${REPEAT} runs after a warm-up`);
  log(`| path | median ms | min ms | max ms |`);
  log(`| --- | --- | --- | --- |`);
  log(`| app: ReconciliationService.report | ${ms(median(appMs))} | ${ms(Math.min(...appMs))} | ${ms(Math.max(...appMs))} |`);
  log(`| floor: one plain SQL statement | ${ms(median(floorMs))} | ${ms(Math.min(...floorMs))} | ${ms(Math.max(...floorMs))} |`);
  log(
    `bench reconciliation: pools=${POOLS} days=${DAYS} rows=${rows} app_ms=${ms(median(appMs))} floor_ms=${ms(median(floorMs))} ratio=${(median(appMs) / median(floorMs)).toFixed(2)}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
