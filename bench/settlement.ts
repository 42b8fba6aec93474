import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createWorkerContext } from '../src/app/create-app.js';
import { loadConfig } from '../src/config/load-config.js';
import { ContractsSettlementRepository } from '../src/modules/contracts/contracts-settlement.repository.js';
import { SettlementRunsService } from '../src/modules/settlement/runs/settlement-runs.service.js';
import { planStatement, thresholdContractStatement } from '../src/modules/settlement/engine/settlement-sql.js';
import { seedDayInputs, seedPopulation } from '../seeds/settlement-seed.js';
import { freshBenchDatabase } from './bench-database.js';

/**
 * bench:settlement: seeds a population (COPY-free, generate_series), then settles one day
 * through the real queue with a real worker process, and measures in the same run a floor:
 * the same settlement and ledger rows written by plain INSERT ... SELECT, no queue, no checks.
 *
 *   npm run bench:settlement -- --contracts 1000000 --customers 100000
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    contracts: { type: 'string', default: '1000000' },
    customers: { type: 'string', default: '100000' },
    chunk: { type: 'string', default: '500000' },
    concurrency: { type: 'string', default: '2' },
  },
});
const CONTRACTS = Number.parseInt(values.contracts, 10);
const CUSTOMERS = Number.parseInt(values.customers, 10);
const BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hashmarket_bench_settlement';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/2';
const PREFIX = `bench${process.pid}`;
const APP_DAY = '2025-10-15';
const FLOOR_DAY = '2025-09-15';
const EARNINGS = 45n * BigInt(CONTRACTS) * 250n;

const log = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function main(): Promise<void> {
  await freshBenchDatabase(BENCH_URL);
  const db = new pg.Pool({ connectionString: BENCH_URL, max: 4 });

  let t0 = Date.now();
  // Purchases are whole TH/s from 1 to 1,000 (the API allows 3 decimals; docs/settlement.md on why it matters).
  const seeded = await seedPopulation(db, {
    tag: 'bench',
    contracts: CONTRACTS,
    customers: CUSTOMERS,
    startDay: '2025-09-01',
    termDays: 180,
    unsoldGhs: 1_000_000_000n,
    hashrateSql: `((1 + abs(hashtext('h' || g)) % 1000) * 1000)::bigint`,
  });
  // Customers who were paid before hold BTC accounts already (opened by an earlier day's yield).
  await db.query(
    `WITH c AS (SELECT DISTINCT customer_id FROM contracts WHERE pool_id = $1),
          a AS (INSERT INTO ledger_accounts (customer_id, name, currency, shard_count) SELECT customer_id, 'available', 'BTC', 1 FROM c RETURNING id)
     INSERT INTO ledger_balances (account_id, shard, currency, balance_minor, seq, min_balance_minor) SELECT id, 0, 'BTC', 0, 0, 0 FROM a`,
    [seeded.poolId],
  );
  for (const day of [FLOOR_DAY, APP_DAY]) await seedDayInputs(db, seeded, day, { priceUsd: '100000', earningsSats: EARNINGS });
  await db.query(`VACUUM ANALYZE`);
  await checkpoint(db);
  const seedMs = Date.now() - t0;
  log(`seeded ${CONTRACTS} contracts over ${CUSTOMERS} customers in ${seconds(seedMs)} s`);

  // The worker: a real process, as production runs it.
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: BENCH_URL,
    REDIS_URL,
    QUEUE_PREFIX: PREFIX,
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
    SETTLEMENT_CHUNK_SIZE: values.chunk,
    SETTLEMENT_CONCURRENCY: values.concurrency,
    SETTLEMENT_SCHEDULER_ENABLED: 'false',
  });
  const worker = spawn(process.execPath, [join(root, 'dist/src/main.js'), 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      DATABASE_URL: BENCH_URL,
      REDIS_URL,
      QUEUE_PREFIX: PREFIX,
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
      SETTLEMENT_CHUNK_SIZE: values.chunk,
      SETTLEMENT_CONCURRENCY: values.concurrency,
      SETTLEMENT_SWEEP_INTERVAL_MS: '600000',
      SETTLEMENT_SCHEDULER_ENABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    worker.stdout.on('data', (c: Buffer) => (c.toString().includes('hashmarket worker started') ? resolve() : undefined));
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  let peakRssKb = 0;
  const sampler = setInterval(() => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))?.[1] ?? 0);
      if (kb > peakRssKb) peakRssKb = kb;
    } catch {
      // the worker is gone
    }
  }, 100);

  // App path: from enqueue (the trigger, as POST /v1/settlements/runs does) to the day flow's parent.
  const app = await createWorkerContext({ config: { ...config, APP_ROLE: 'api' }, role: 'api', quiet: true });
  const runs = app.get(SettlementRunsService);
  const load1 = loadavg()[0];
  t0 = Date.now();
  await runs.trigger(APP_DAY, APP_DAY, { userId: null, role: 'system' }, null, true);
  const triggerMs = Date.now() - t0;
  let completedSeenMs = 0;
  for (;;) {
    const { rows } = await db.query(
      `SELECT completed_at IS NOT NULL AND runs_completed = runs_total AND runs_total > 0 AS done FROM settlement_days WHERE day = $1`,
      [APP_DAY],
    );
    if (rows[0]?.done) break;
    if (!completedSeenMs && (await db.query(`SELECT 1 FROM settlement_runs WHERE day = $1 AND status = 'completed'`, [APP_DAY])).rows[0])
      completedSeenMs = Date.now() - t0;
    const failed = await db.query(`SELECT error FROM settlement_runs WHERE day = $1 AND status = 'failed'`, [APP_DAY]);
    if (failed.rows[0]) throw new Error(`run failed: ${failed.rows[0].error}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const appMs = Date.now() - t0;
  clearInterval(sampler);
  const run = (await db.query(`SELECT * FROM settlement_runs WHERE day = $1 AND seq = 0`, [APP_DAY])).rows[0];
  const jobs = 1 + 1 + 1 + Number(run.chunk_count); // the day kick, the day summary, the run's finalizer, its chunks
  const phases = (
    await db.query(
      `SELECT extract(epoch FROM r.prepared_at - r.created_at) * 1000 AS opened_to_prepared,
              extract(epoch FROM (SELECT min(done_at) FROM settlement_chunks WHERE run_id = r.id) - r.prepared_at) * 1000 AS prepared_to_first_chunk_done,
              extract(epoch FROM (SELECT max(done_at) FROM settlement_chunks WHERE run_id = r.id) - r.prepared_at) * 1000 AS prepared_to_last_chunk_done,
              extract(epoch FROM r.ledger_posted_at - (SELECT max(done_at) FROM settlement_chunks WHERE run_id = r.id)) * 1000 AS last_chunk_to_ledger_posted,
              extract(epoch FROM r.completed_at - r.ledger_posted_at) * 1000 AS ledger_posted_to_completed,
              extract(epoch FROM d.completed_at - r.completed_at) * 1000 AS completed_to_summary
         FROM settlement_runs r JOIN settlement_days d ON d.day = r.day WHERE r.id = $1`,
      [run.id],
    )
  ).rows[0];
  await app.close();
  worker.kill('SIGTERM');

  // Floor: the same rows by plain INSERT ... SELECT, one session, no queue, no chunks, no checks.
  await checkpoint(db);
  const floorMs = await floor(db, seeded.poolId, seeded.onlineGhs);
  const check = await db.query(`SELECT day::text, count(*)::int AS n, sum(net_sats)::text AS net FROM contract_settlements GROUP BY day ORDER BY day`);
  await db.end();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();

  const ratio = appMs / floorMs;
  log('');
  log(`| what | value |`);
  log(`| --- | --- |`);
  log(`| contracts / customers | ${CONTRACTS} / ${CUSTOMERS} |`);
  log(`| chunks (size) / worker concurrency | ${run.chunk_count} (${values.chunk}) / ${values.concurrency} |`);
  log(`| enqueue -> day summary (app) | ${seconds(appMs)} s |`);
  log(`| floor (plain INSERT ... SELECT) | ${seconds(floorMs)} s |`);
  log(`| trigger call (opens the run, kicks the day) | ${seconds(triggerMs)} s |`);
  log(`| enqueue -> run completed | ${seconds(completedSeenMs)} s |`);
  for (const [k, v] of Object.entries(phases)) log(`| ${k.replaceAll('_', ' ')} | ${seconds(Number(v))} s |`);
  log(`| worker peak RSS | ${(peakRssKb / 1024).toFixed(0)} MB |`);
  log(`| load average (1 min) at start | ${load1.toFixed(2)} |`);
  log(`| rows per day | ${check.rows.map((r) => `${r.day}: ${r.n}`).join(', ')} |`);
  log(
    `bench settlement: contracts=${CONTRACTS} seconds=${seconds(appMs)} contracts_per_s=${Math.round(CONTRACTS / (appMs / 1000))} jobs=${jobs} worker_rss_mb=${(peakRssKb / 1024).toFixed(0)} floor_seconds=${seconds(floorMs)} ratio=${ratio.toFixed(2)}`,
  );
}

/**
 * Flushes what the seeding (or the previous measurement) wrote, so that neither measurement
 * pays for a checkpoint the other one caused: seeding a million contracts writes more WAL than
 * the default max_wal_size, and the checkpoint it triggers would otherwise run during the app's
 * run. CHECKPOINT needs a superuser or pg_checkpoint; without it the bench says so and goes on.
 */
async function checkpoint(db: pg.Pool): Promise<void> {
  try {
    await db.query('CHECKPOINT');
  } catch (error) {
    log(`(no CHECKPOINT before measuring: ${(error as Error).message})`);
  }
}

/**
 * The floor writes what a run writes for FLOOR_DAY: the weights, one settlement row per
 * contract, the ledger entry with a posting per customer and per platform account, and the
 * balances, with triggers off (no per-row checks) and in one session.
 */
async function floor(db: pg.Pool, poolId: string, seededOnline: bigint): Promise<number> {
  const client = await db.connect();
  try {
    await client.query(`SET jit = off`);
    await client.query(`SET work_mem = '256MB'`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS contract_settlements_2025_09 PARTITION OF contract_settlements FOR VALUES FROM ('2025-09-01') TO ('2025-10-01')`,
    );
    const t0 = Date.now();
    await client.query('BEGIN');
    await client.query(`SET LOCAL session_replication_role = replica`);
    // The same plan the app computes (one statement), then every row in one INSERT ... SELECT.
    const source = new ContractsSettlementRepository(null as never).inForceSource(poolId, FLOOR_DAY);
    const plan = planStatement(source, {
      runId: '-1',
      day: FLOOR_DAY,
      earningsSats: EARNINGS,
      deliveredGhs: null,
      onlineGhs: seededOnline,
      btcUsd: '100000',
      fixed: null,
    });
    const planned = (await client.query(plan.sql, plan.params)).rows[0];
    let threshold: string | null = null;
    if (planned.thresholdKind === 1) {
      const q = thresholdContractStatement(source, FLOOR_DAY, planned.thresholdHashrates, BigInt(planned.thresholdPos), null);
      threshold = (await client.query(q.sql, q.params)).rows[0].contractId;
    }
    await client.query(
      `INSERT INTO contract_settlements (day, contract_id, seq, attempt, pool_id, customer_id, hashrate_ghs, ratio_ppm, gross_sats, electricity_fee_micro_usd,
              electricity_fee_sats, management_fee_sats, arrears_collected_sats, arrears_cleared_micro_usd, net_sats, arrears_added_micro_usd, flags)
       SELECT $2::date, x.id, 0, 1, x.pool_id, x.customer_id, x.hashrate_ghs, $4::int, x.gross, x.fee_usd, least(x.gross, x.fee_sats),
              least(x.gross - least(x.gross, x.fee_sats), x.gross * x.bps / 10000), 0, 0,
              x.gross - least(x.gross, x.fee_sats) - least(x.gross - least(x.gross, x.fee_sats), x.gross * x.bps / 10000), 0, 0
         FROM (SELECT c.id, c.pool_id, c.customer_id, c.hashrate_ghs, c.management_fee_bps AS bps, w.electricity_fee_micro_usd AS fee_usd, w.electricity_fee_sats AS fee_sats,
                      w.base_sats + CASE w.plus_rule WHEN 2 THEN 1 WHEN 1 THEN (c.id <= $3::uuid)::int ELSE 0 END AS gross
                 FROM contracts c JOIN settlement_run_weights w ON w.run_id = -1 AND w.product_id = c.product_id AND w.hashrate_ghs = c.hashrate_ghs
                WHERE c.pool_id = $1) x`,
      [poolId, FLOOR_DAY, threshold, planned.ratioPpm],
    );
    // The ledger rows, as the app writes them: entries of 100 customers, each with its receivable
    // line; a platform entry (receivable, revenue, house); the balances.
    await client.query(
      `CREATE TEMP TABLE ft ON COMMIT DROP AS
       SELECT t.customer_id, t.net, acc.id AS account_id, (row_number() OVER (ORDER BY t.customer_id) - 1) / 100 AS batch,
              ((row_number() OVER (ORDER BY t.customer_id) - 1) % 100 + 2)::smallint AS line_no
         FROM (SELECT customer_id, sum(net_sats) AS net FROM contract_settlements WHERE day = $1 AND seq = 0 AND pool_id = $2 GROUP BY customer_id) t
         JOIN ledger_accounts acc ON acc.customer_id = t.customer_id AND acc.currency = 'BTC' AND acc.name = 'available'
        WHERE t.net > 0`,
      [FLOOR_DAY, poolId],
    );
    await client.query(
      `CREATE TEMP TABLE fe ON COMMIT DROP AS
       WITH b AS (SELECT batch, sum(net) AS net FROM ft GROUP BY batch),
            e AS (INSERT INTO ledger_entries (type, idempotency_key, actor_role, request_hash, posted_at)
                  SELECT 'settlement.yield', 'floor-' || batch, 'system', 'x', now() FROM b RETURNING id, idempotency_key)
       SELECT b.batch, b.net, e.id AS entry_id FROM b JOIN e ON e.idempotency_key = 'floor-' || b.batch`,
    );
    const receivable = (await client.query(`SELECT id FROM ledger_accounts WHERE name = 'pool_receivable' AND currency = 'BTC' AND customer_id IS NULL`))
      .rows[0].id;
    await client.query(
      `WITH lines AS (
         SELECT ft.account_id, 0::smallint AS shard, fe.entry_id, ft.line_no, ft.net AS amount FROM ft JOIN fe ON fe.batch = ft.batch
         UNION ALL SELECT $1::bigint, (fe.batch % 16)::smallint, fe.entry_id, 1::smallint, -fe.net FROM fe
       ), numbered AS (
         SELECT l.*, b.balance_minor + sum(l.amount) OVER w AS after, b.seq + row_number() OVER w AS account_seq
           FROM lines l JOIN ledger_balances b ON b.account_id = l.account_id AND b.shard = l.shard
         WINDOW w AS (PARTITION BY l.account_id, l.shard ORDER BY l.entry_id, l.line_no)
       ), p AS (
         INSERT INTO ledger_postings (account_id, shard, account_seq, entry_id, line_no, currency, amount_minor, balance_after_minor, posted_at)
         SELECT account_id, shard, account_seq, entry_id, line_no, 'BTC', amount, after, now() FROM numbered RETURNING account_id, shard, amount_minor
       )
       UPDATE ledger_balances b SET balance_minor = b.balance_minor + d.s, seq = b.seq + d.n
         FROM (SELECT account_id, shard, sum(amount_minor) AS s, count(*) AS n FROM p GROUP BY 1, 2) d
        WHERE b.account_id = d.account_id AND b.shard = d.shard`,
      [receivable],
    );
    const platformEntry = await client.query(
      `INSERT INTO ledger_entries (type, idempotency_key, actor_role, request_hash, posted_at) VALUES ('settlement.pool_day', 'floor-platform', 'system', 'x', now()) RETURNING id`,
    );
    await client.query(
      `WITH s AS (SELECT sum(electricity_fee_sats) AS elec, sum(management_fee_sats) AS mgmt, sum(gross_sats) AS gross, sum(net_sats) AS net
                    FROM contract_settlements WHERE day = $1 AND seq = 0 AND pool_id = $2),
            l AS (SELECT x.name, x.amount, x.line_no FROM s, LATERAL (VALUES ('pool_receivable', s.net - $3::bigint, 1), ('electricity_revenue', s.elec, 2),
                                                                   ('management_revenue', s.mgmt, 3), ('house', $3::bigint - s.gross, 4)) x(name, amount, line_no)),
            a AS (SELECT l.amount, l.line_no, acc.id AS account_id, b.balance_minor, b.seq FROM l
                    JOIN ledger_accounts acc ON acc.name = l.name AND acc.currency = 'BTC' AND acc.customer_id IS NULL
                    JOIN ledger_balances b ON b.account_id = acc.id AND b.shard = 1),
            p AS (INSERT INTO ledger_postings (account_id, shard, account_seq, entry_id, line_no, currency, amount_minor, balance_after_minor, posted_at)
                  SELECT a.account_id, 1, a.seq + 1, $4, a.line_no, 'BTC', a.amount, a.balance_minor + a.amount, now() FROM a RETURNING account_id, amount_minor)
       UPDATE ledger_balances b SET balance_minor = b.balance_minor + p.amount_minor, seq = b.seq + 1 FROM p WHERE b.account_id = p.account_id AND b.shard = 1`,
      [FLOOR_DAY, poolId, EARNINGS.toString(), platformEntry.rows[0].id],
    );
    await client.query('COMMIT');
    return Date.now() - t0;
  } finally {
    client.release();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
