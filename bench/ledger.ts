import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createHash, randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app/app.module.js';
import { loadConfig } from '../src/config/load-config.js';
import { freshBenchDatabase } from './bench-database.js';
import { SYSTEM_ACTOR } from '../src/modules/audit/audit.service.js';
import { customerAccount, platformAccount, type PlatformAccount } from '../src/modules/ledger/ledger.accounts.js';
import { LedgerIntegrityService } from '../src/modules/ledger/ledger-integrity.service.js';
import { LedgerService } from '../src/modules/ledger/ledger.service.js';

/**
 * `npm run bench:ledger`: two-line transfers through LedgerService at 1, 8 and 32 concurrent
 * writers, across 100,000 customer accounts (spread) and with every transfer crediting one of
 * 10 platform accounts (hot), next to a floor measured in the same run: the same entries
 * written by a bare pg client with hand-written SQL, one transaction per entry, same
 * concurrency, same connection pool. Settings: BENCH_DATABASE_URL (a database whose name
 * contains "bench"; dropped and recreated), BENCH_CUSTOMERS, BENCH_SECONDS (per path and case), BENCH_WRITERS.
 */
const env = process.env;
const DATABASE_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hashmarket_bench_ledger';
const CUSTOMERS = Number(env.BENCH_CUSTOMERS ?? 100_000);
const SECONDS = Number(env.BENCH_SECONDS ?? 6);
const SLICE_SECONDS = 1;
const WRITERS = (env.BENCH_WRITERS ?? '1,8,32').split(',').map(Number);
const SEED_MICRO_USD = 1_000_000_000n; // $1,000 each: transfers of 1..100 micro-USD never run dry
const HOT: PlatformAccount[] = [
  'pool_receivable',
  'electricity_revenue',
  'management_revenue',
  'house',
  'customer_deposits',
  'withdrawals_in_flight',
  'sales_revenue',
  'refunds',
  'network_fees',
  'adjustments',
];

type Case = 'spread' | 'hot';
interface Transfer {
  fromCustomer: number;
  toCustomer: number | null;
  hot: PlatformAccount | null;
  amount: bigint;
}
interface Measurement {
  entriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** CPU this Node process spent per entry (the driver's share of the 2 cores). */
  nodeCpuUsPerEntry: number;
}
interface Accounts {
  customerIds: string[];
  usdAccountIds: string[];
  platformUsd: Map<string, { id: string; shards: number }>;
}

const random = (n: number) => Math.floor(Math.random() * n);

function nextTransfer(kind: Case): Transfer {
  const from = random(CUSTOMERS);
  let to = random(CUSTOMERS - 1);
  if (to >= from) to += 1;
  const amount = BigInt(1 + random(100));
  return kind === 'spread'
    ? { fromCustomer: from, toCustomer: to, hot: null, amount }
    : { fromCustomer: from, toCustomer: null, hot: HOT[random(HOT.length)], amount };
}

async function prepareDatabase(): Promise<void> {
  await freshBenchDatabase(DATABASE_URL);
}

async function seed(app: INestApplicationContext, pool: pg.Pool): Promise<Accounts> {
  const started = performance.now();
  await pool.query(
    `INSERT INTO users (email, password_hash, role) SELECT 'bench-' || g || '@example.test', 'not-a-password', 'customer' FROM generate_series(1, $1) AS g`,
    [CUSTOMERS],
  );
  const { rows: users } = await pool.query<{ id: string }>(`SELECT id FROM users WHERE role = 'customer' ORDER BY email`);
  const ledger = app.get(LedgerService);
  const chunk = 5_000;
  for (let i = 0; i < users.length; i += chunk) {
    await ledger.postBulk({
      actor: SYSTEM_ACTOR,
      entries: users.slice(i, i + chunk).map((u) => ({
        type: 'deposit',
        idempotencyKey: `seed:${u.id}`,
        lines: [
          { account: platformAccount('customer_deposits', 'USD'), amount: -SEED_MICRO_USD },
          { account: customerAccount(u.id, 'USD'), amount: SEED_MICRO_USD },
        ],
      })),
    });
  }
  const { rows: accounts } = await pool.query<{ customer_id: string; id: string }>(
    `SELECT customer_id, id FROM ledger_accounts WHERE customer_id IS NOT NULL AND currency = 'USD' AND name = 'available'`,
  );
  const byCustomer = new Map(accounts.map((a) => [a.customer_id, a.id]));
  const { rows: platform } = await pool.query<{ name: string; id: string; shard_count: number }>(
    `SELECT name, id, shard_count FROM ledger_accounts WHERE customer_id IS NULL AND currency = 'USD'`,
  );
  await pool.query('VACUUM ANALYZE');
  process.stdout.write(`seeded ${users.length} customers with funded USD accounts in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return {
    customerIds: users.map((u) => u.id),
    usdAccountIds: users.map((u) => byCustomer.get(u.id)!),
    platformUsd: new Map(platform.map((p) => [p.name, { id: p.id, shards: Number(p.shard_count) }])),
  };
}

/** The app path: one LedgerService.transfer per entry, on its own (one autocommit statement). */
function appWriter(ledger: LedgerService, accounts: Accounts, run: string) {
  let n = 0;
  return async (t: Transfer) => {
    const from = customerAccount(accounts.customerIds[t.fromCustomer], 'USD');
    const to = t.hot ? platformAccount(t.hot, 'USD') : customerAccount(accounts.customerIds[t.toCustomer!], 'USD');
    await ledger.transfer({ type: 'transfer', idempotencyKey: `${run}:${n++}`, actor: SYSTEM_ACTOR, from, to, amount: t.amount });
  };
}

/**
 * The floor: the same entry by hand, one prepared statement (one transaction) on a bare pg
 * connection, account ids known up front; the database's triggers do the same work as for the app.
 */
function floorWriter(pool: pg.Pool, accounts: Accounts, run: string) {
  let n = 0;
  const text = `WITH e AS (
      INSERT INTO ledger_entries (type, idempotency_key, actor_role, request_hash, posted_at)
      VALUES ('transfer', $1, 'system', $2, now()) RETURNING id)
    INSERT INTO ledger_postings (entry_id, line_no, account_id, shard, amount_minor, posted_at)
    SELECT e.id, l.line_no, l.account_id, l.shard, l.amount, now()
      FROM e, (VALUES (1::smallint, $3::bigint, $4::smallint, $5::bigint), (2::smallint, $6::bigint, $7::smallint, $8::bigint)) AS l(line_no, account_id, shard, amount)
     ORDER BY l.account_id, l.shard`;
  return async (t: Transfer) => {
    const key = `${run}:${n++}`;
    const fromId = accounts.usdAccountIds[t.fromCustomer];
    let toId: string;
    let toShard = 0;
    if (t.hot) {
      const account = accounts.platformUsd.get(t.hot)!;
      toId = account.id;
      toShard = random(account.shards);
    } else {
      toId = accounts.usdAccountIds[t.toCustomer!];
    }
    const hash = createHash('sha256').update(key).digest('hex');
    await pool.query({ name: 'bench_floor_transfer', text, values: [key, hash, fromId, 0, (-t.amount).toString(), toId, toShard, t.amount.toString()] });
  };
}

interface Sample {
  latencies: number[];
  seconds: number;
  errors: number;
  cpuUs: number;
}

/** Runs `writers` concurrent loops of `write` for `seconds`, adding to `sample`. */
async function run(writers: number, kind: Case, write: (t: Transfer) => Promise<void>, seconds: number, sample: Sample): Promise<void> {
  let firstError: unknown;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        const t = nextTransfer(kind);
        const begin = performance.now();
        try {
          await write(t);
          sample.latencies.push(performance.now() - begin);
        } catch (error) {
          sample.errors += 1;
          firstError ??= error;
        }
      }
    }),
  );
  sample.seconds += (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  sample.cpuUs += used.user + used.system;
  if (firstError) process.stderr.write(`  error: ${(firstError as Error).message}\n`);
}

function summarise(sample: Sample): Measurement {
  const latencies = sample.latencies.slice().sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    entriesPerSecond: latencies.length / sample.seconds,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    errors: sample.errors,
    nodeCpuUsPerEntry: sample.cpuUs / Math.max(1, latencies.length),
  };
}

/**
 * The machine is shared, so load drifts within seconds: app and floor run in alternating
 * one-second slices (order swapped every round) and each path's slices are pooled, so drift
 * falls on both alike instead of on whichever ran second.
 */
async function compare(writers: number, kind: Case, app: (t: Transfer) => Promise<void>, floor: (t: Transfer) => Promise<void>) {
  const appSample: Sample = { latencies: [], seconds: 0, errors: 0, cpuUs: 0 };
  const floorSample: Sample = { latencies: [], seconds: 0, errors: 0, cpuUs: 0 };
  const rounds = Math.max(1, Math.round(SECONDS / SLICE_SECONDS));
  for (let round = 0; round < rounds; round++) {
    const order =
      round % 2 === 0
        ? ([
            [floor, floorSample],
            [app, appSample],
          ] as const)
        : ([
            [app, appSample],
            [floor, floorSample],
          ] as const);
    for (const [write, sample] of order) await run(writers, kind, write, SLICE_SECONDS, sample);
  }
  return { app: summarise(appSample), floor: summarise(floorSample) };
}

async function main(): Promise<void> {
  process.stdout.write(
    `ledger bench: ${CUSTOMERS} customers, ${SECONDS} s per path and case in ${SLICE_SECONDS} s slices alternating app and floor, writers ${WRITERS.join(', ')}; load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  await prepareDatabase();
  const maxWriters = Math.max(...WRITERS);
  const config = loadConfig({
    ...env,
    NODE_ENV: 'production',
    DATABASE_URL,
    DATABASE_POOL_SIZE: String(maxWriters),
    LOG_LEVEL: 'silent',
    MIGRATE_ON_START: 'false',
    QUEUE_PREFIX: 'bench',
    JWT_ACCESS_SECRET: randomBytes(24).toString('hex'),
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ADMIN_PASSWORD: undefined,
  });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ config, role: 'api' }), { logger: false });
  // The floor shares the app's pg pool: same connections, same settings, only the code differs.
  const pool = (app.get(DataSource).driver as unknown as { master: pg.Pool }).master;
  const ledger = app.get(LedgerService);
  const accounts = await seed(app, pool);

  const results: { kind: Case; writers: number; app: Measurement; floor: Measurement; load: number }[] = [];
  for (const kind of ['spread', 'hot'] as const) {
    for (const writers of WRITERS) {
      const tag = `${kind}-${writers}-${randomBytes(3).toString('hex')}`;
      const warm: Sample = { latencies: [], seconds: 0, errors: 0, cpuUs: 0 };
      await run(writers, kind, floorWriter(pool, accounts, `warm-floor-${tag}`), 0.5, warm);
      await run(writers, kind, appWriter(ledger, accounts, `warm-app-${tag}`), 0.5, warm);
      const { app: appResult, floor } = await compare(writers, kind, appWriter(ledger, accounts, `app-${tag}`), floorWriter(pool, accounts, `floor-${tag}`));
      results.push({ kind, writers, app: appResult, floor, load: loadavg()[0] });
      process.stdout.write(`  measured ${kind} x${writers}\n`);
    }
  }

  const report = await app.get(LedgerIntegrityService).check();
  await app.close();

  const rows = results.map((r) => [
    r.kind,
    String(r.writers),
    r.app.entriesPerSecond.toFixed(0),
    r.app.p50Ms.toFixed(2),
    r.app.p99Ms.toFixed(2),
    r.floor.entriesPerSecond.toFixed(0),
    r.floor.p99Ms.toFixed(2),
    (r.floor.entriesPerSecond / r.app.entriesPerSecond).toFixed(2),
    r.app.nodeCpuUsPerEntry.toFixed(0),
    r.floor.nodeCpuUsPerEntry.toFixed(0),
    String(r.app.errors + r.floor.errors),
    r.load.toFixed(1),
  ]);
  const header = [
    'case',
    'writers',
    'app entries/s',
    'app p50 ms',
    'app p99 ms',
    'floor entries/s',
    'floor p99 ms',
    'ratio',
    'app node us/entry',
    'floor node us/entry',
    'errors',
    'load1',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n\n`);
  process.stdout.write(
    `ledger check after the run: ${report.ok ? 'ok' : `DRIFT: ${report.problems.join('; ')}`}; load average at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `bench ledger: case=${r.kind} writers=${r.writers} entries_per_s=${r.app.entriesPerSecond.toFixed(0)} p99_ms=${r.app.p99Ms.toFixed(2)} floor_entries_per_s=${r.floor.entriesPerSecond.toFixed(0)} ratio=${(r.floor.entriesPerSecond / r.app.entriesPerSecond).toFixed(2)}\n`,
    );
  }
  if (!report.ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
