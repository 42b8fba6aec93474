import 'reflect-metadata';
import { JwtService } from '@nestjs/jwt';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freshBenchDatabase } from './bench-database.js';

/**
 * `npm run bench:purchase`: POST /v1/contracts over real HTTP against the API running in processes
 * of its own (production settings; BENCH_API_PROCESSES, one per core by default, the connections
 * spread over them), each connection a different funded customer, one product with room for
 * every purchase.
 *   (a) open loop: a fixed arrival rate (BENCH_RATE, 1,000/s) for BENCH_SECONDS (20) over up to
 *       BENCH_CONNECTIONS (200) keep-alive connections; a request that finds every connection busy
 *       waits in line, and latency counts from its scheduled time, so queueing is not hidden;
 *   (b) closed loop: the same connections as fast as they go for BENCH_SECONDS: the maximum rate;
 *   floor: the same purchase transaction (ledger entry and postings, audit row, capacity reserved
 *       with the contract and its history) by a bare pg pool of the API's size with hand-written
 *       SQL at BENCH_CONNECTIONS-way concurrency.
 * Then it checks the database: no product sold beyond its allocation, no purchase charged twice,
 * every contract paid for. Settings: BENCH_DATABASE_URL (its name must contain "bench"; it is
 * dropped and recreated), BENCH_DB_POOL (API and floor pool size, 40), BENCH_PORT.
 */
const env = process.env;
const DATABASE_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hashmarket_bench_purchase';
const RATE = Number(env.BENCH_RATE ?? 1000);
const SECONDS = Number(env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 200);
const DB_POOL = Number(env.BENCH_DB_POOL ?? 40);
const PORT = Number(env.BENCH_PORT ?? 3000 + Math.floor(Math.random() * 2000));
const PHASES = new Set((env.BENCH_PHASES ?? 'a,b,floor').split(','));
/**
 * API processes behind the connections (stateless instances, as behind a load balancer): one
 * per core by default, as a Node service is deployed (one process runs JavaScript on one core).
 */
const API_PROCESSES = Number(env.BENCH_API_PROCESSES ?? availableParallelism());
const JWT_SECRET = randomBytes(32).toString('hex');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HASHRATE_THS = '1';
const PRICE_USD_PER_TH = '1';
const PRICE_MICRO_USD = 1_000_000n;

/**
 * The floor's last statement, written by hand: reserve the hash rate with a guarded UPDATE of
 * the product (on sale, within limits, room left, terms as priced) and insert the contract and
 * its first history row. Last, so the product's row lock is held for it and the commit only.
 */
const RESERVE_AND_INSERT_SQL = `
WITH reserved AS (
  UPDATE products p SET sold_ghs = p.sold_ghs + $3
   WHERE p.id = $2
     AND p.status = 'active' AND p.sales_start_at <= $4 AND (p.sales_end_at IS NULL OR p.sales_end_at > $4)
     AND $3 BETWEEN p.min_purchase_ghs AND p.max_purchase_ghs
     AND p.sold_ghs + $3 <= p.capacity_allocated_ghs
     AND p.term_days = $6 AND p.upfront_price_usd_per_th = $8::numeric AND p.electricity_fee_usd_per_th_day = $9::numeric
     AND p.management_fee_bps = $10 AND p.uptime_guarantee_bps = $11 AND p.arrears_grace_days = $12
  RETURNING p.id, p.pool_id
), contract AS (
  INSERT INTO contracts (id, customer_id, product_id, pool_id, hashrate_ghs, term_days, start_day, end_day, status, status_changed_at,
                         price_paid_micro_usd, upfront_price_usd_per_th, electricity_fee_usd_per_th_day, management_fee_bps,
                         uptime_guarantee_bps, arrears_grace_days, idempotency_key, request_fingerprint)
  SELECT $1, $13, r.id, r.pool_id, $3, $6, $5::date, $5::date + $6 - 1, 'pending', $4,
         $7, $8::numeric, $9::numeric, $10, $11, $12, $14, $15
    FROM reserved r
  RETURNING *
), history AS (
  INSERT INTO contract_status_changes (contract_id, from_status, to_status, changed_at, actor_id, reason)
  SELECT id, NULL, 'pending', $4, $13, 'purchased' FROM contract
)
SELECT id FROM contract`;

interface Customer {
  id: string;
  token: string;
}

interface Outcome {
  ok: number;
  errors: number;
  statuses: Map<number, number>;
  latencies: number[];
  /** When each answer arrived (ms since the phase began), parallel to latencies. */
  answeredAt: number[];
  startedAt: number;
  elapsedS: number;
}

const jwt = new JwtService({ secret: JWT_SECRET, signOptions: { algorithm: 'HS256', expiresIn: 86_400, issuer: 'hashmarket' } });
const sign = (id: string, role: string) => jwt.signAsync({ sub: id, role, email: `${role}-${id}@bench.test`, typ: 'access' });

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0;
}

async function prepareDatabase(): Promise<void> {
  await freshBenchDatabase(DATABASE_URL);
}

/** The API in its own process, as production runs it (role api, no workers). */
async function startApi(port: number): Promise<ChildProcess> {
  const nodeArgs = (env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist', 'src', 'main.js'), 'api'], {
    cwd: ROOT,
    env: {
      ...env,
      NODE_ENV: 'production',
      DATABASE_URL,
      DATABASE_POOL_SIZE: String(DB_POOL),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
      QUEUE_PREFIX: `benchpurchase${randomBytes(3).toString('hex')}`,
      JWT_ACCESS_SECRET: JWT_SECRET,
      JWT_ACCESS_TTL_SECONDS: '86400',
      TOTP_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ADMIN_EMAIL: undefined,
      ADMIN_PASSWORD: undefined,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the API exited with ${code} before listening`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on')) resolve();
    });
  });
  child.stdout.resume();
  return child;
}

async function api<T = any>(method: string, path: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function insertUsers(pool: pg.Pool, role: string, count: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO users (email, password_hash, role) SELECT $1 || '-' || g || '-' || $3 || '@bench.test', 'not-a-password', $1 FROM generate_series(1, $2) g RETURNING id`,
    [role, count, randomBytes(4).toString('hex')],
  );
  return rows.map((r) => r.id);
}

/** Capacity, two products (the API's and the floor's, same terms) and funded customers, through the API. */
async function seed(pool: pg.Pool) {
  const [operatorId] = await insertUsers(pool, 'operator', 1);
  const [financeId] = await insertUsers(pool, 'finance', 1);
  const operator = await sign(operatorId, 'operator');
  const finance = await sign(financeId, 'finance');
  const site = await api('POST', '/v1/sites', operator, { name: 'bench hall', powerCapacityKw: '20000', electricityPriceUsdPerKwh: '0.05' });
  const model = await api('POST', '/v1/miner-models', operator, { name: 'bench S21', hashrateThs: '200', efficiencyJPerTh: '15' });
  const poolRow = await api('POST', '/v1/pools', operator, {
    name: 'bench pool',
    stratumEndpoint: 'stratum+tcp://pool.bench.example:3333',
    payoutScheme: 'FPPS',
    feeBps: 200,
    payoutAddress: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
  });
  // 5,000 units x 200 TH/s = 1,000,000 TH/s online (15 MW of the site's 20 MW).
  await api('POST', '/v1/fleets', operator, { name: 'bench fleet', siteId: site.id, minerModelId: model.id, poolId: poolRow.id, unitCount: 5000 });
  const product = (allocatedThs: string) =>
    api('POST', '/v1/products', operator, {
      name: `bench product ${allocatedThs}`,
      poolId: poolRow.id,
      termDays: 30,
      upfrontPriceUsdPerTh: PRICE_USD_PER_TH,
      electricityFeeUsdPerThDay: '0.02',
      managementFeeBps: 1000,
      minPurchaseThs: '1',
      maxPurchaseThs: '100',
      capacityAllocatedThs: allocatedThs,
      uptimeGuaranteeBps: 9500,
      arrearsGraceDays: 7,
    });
  const appProduct = await product('500000');
  const floorProduct = await product('499999');

  const fund = async (ids: string[]) => {
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(
        ids
          .slice(i, i + 20)
          .map((id) => api('POST', '/v1/deposits', finance, { customerId: id, currency: 'USD', amount: '1000000', externalReference: `bench-${id}` })),
      );
    }
  };
  const appIds = await insertUsers(pool, 'customer', CONNECTIONS);
  const floorIds = await insertUsers(pool, 'customer', CONNECTIONS);
  await fund([...appIds, ...floorIds]);
  const appCustomers: Customer[] = await Promise.all(appIds.map(async (id) => ({ id, token: await sign(id, 'customer') })));
  const { rows: accounts } = await pool.query<{ customer_id: string; id: string }>(
    `SELECT customer_id, id FROM ledger_accounts WHERE customer_id = ANY($1::uuid[]) AND currency = 'USD' AND name = 'available'`,
    [floorIds],
  );
  const accountOf = new Map(accounts.map((a) => [a.customer_id, a.id]));
  const { rows: revenue } = await pool.query<{ id: string; shard_count: number }>(
    `SELECT id, shard_count FROM ledger_accounts WHERE customer_id IS NULL AND currency = 'USD' AND name = 'sales_revenue'`,
  );
  await pool.query('VACUUM ANALYZE');
  return {
    appProductId: appProduct.id as string,
    floorProduct: await pool.query(`SELECT * FROM products WHERE id = $1`, [floorProduct.id]).then((r) => r.rows[0]),
    appCustomers,
    floorCustomers: floorIds.map((id) => ({ id, accountId: accountOf.get(id)! })),
    salesRevenue: { id: revenue[0].id, shards: Number(revenue[0].shard_count) },
  };
}

/** One keep-alive connection of one customer. */
class Connection {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private n = 0;
  constructor(
    private readonly customer: Customer,
    private readonly productId: string,
    private readonly tag: string,
    private readonly port: number,
  ) {}

  purchase(): Promise<number> {
    const body = JSON.stringify({ productId: this.productId, hashrateThs: HASHRATE_THS });
    return new Promise((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          path: '/v1/contracts',
          method: 'POST',
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.customer.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'idempotency-key': `${this.tag}-${this.n++}`,
          },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function record(outcome: Outcome, status: number, latencyMs: number): void {
  outcome.statuses.set(status, (outcome.statuses.get(status) ?? 0) + 1);
  if (status === 201) {
    outcome.ok += 1;
    outcome.latencies.push(latencyMs);
    outcome.answeredAt.push(performance.now() - outcome.startedAt);
  } else {
    outcome.errors += 1;
  }
}

/**
 * Open loop: request i is due at start + i / rate whatever happened before it. It goes out on an
 * idle connection, or waits in line for the next one to free up; its latency runs from when it
 * was due, so a slow server shows as latency and a lower achieved rate, not as a slower sender.
 */
async function openLoop(connections: Connection[], rate: number, seconds: number): Promise<Outcome> {
  const outcome: Outcome = { ok: 0, errors: 0, statuses: new Map(), latencies: [], answeredAt: [], startedAt: performance.now(), elapsedS: 0 };
  const idle = [...connections];
  const waiting: number[] = [];
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  let issued = 0;
  let done = 0;
  const start = performance.now();
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));

  const send = (connection: Connection, dueAt: number) => {
    void connection.purchase().then((status) => {
      record(outcome, status, performance.now() - dueAt);
      done += 1;
      const next = waiting.shift();
      if (next !== undefined) send(connection, next);
      else idle.push(connection);
      if (done === total) finished();
    });
  };
  const tick = () => {
    const now = performance.now();
    while (issued < total && start + issued * intervalMs <= now) {
      const dueAt = start + issued * intervalMs;
      issued += 1;
      const connection = idle.pop();
      if (connection) send(connection, dueAt);
      else waiting.push(dueAt);
    }
    if (issued < total) setTimeout(tick, 1);
  };
  tick();
  await allDone;
  outcome.elapsedS = (performance.now() - start) / 1000;
  return outcome;
}

/** Closed loop: every connection sends its next purchase as soon as the previous one answers. */
async function closedLoop(connections: Connection[], seconds: number): Promise<Outcome> {
  const outcome: Outcome = { ok: 0, errors: 0, statuses: new Map(), latencies: [], answeredAt: [], startedAt: performance.now(), elapsedS: 0 };
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    connections.map(async (connection) => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        record(outcome, await connection.purchase(), performance.now() - begin);
      }
    }),
  );
  outcome.elapsedS = (performance.now() - start) / 1000;
  return outcome;
}

/** The floor: the purchase transaction by hand on a bare pg pool, closed loop, one worker per customer. */
async function floor(pool: pg.Pool, s: Awaited<ReturnType<typeof seed>>, seconds: number): Promise<Outcome> {
  const p = s.floorProduct;
  const outcome: Outcome = { ok: 0, errors: 0, statuses: new Map(), latencies: [], answeredAt: [], startedAt: performance.now(), elapsedS: 0 };
  const ledgerEntry = `WITH e AS (
      INSERT INTO ledger_entries (type, idempotency_key, reference, actor_id, actor_role, request_hash, posted_at)
      VALUES ('contract.purchase', $1, $2, $3, 'customer', $1, $4) RETURNING id)
    INSERT INTO ledger_postings (entry_id, line_no, account_id, shard, amount_minor, posted_at)
    SELECT e.id, l.line_no, l.account_id, l.shard, l.amount, $4
      FROM e, (VALUES (1::smallint, $5::bigint, 0::smallint, $6::bigint), (2::smallint, $7::bigint, $8::smallint, $9::bigint)) AS l(line_no, account_id, shard, amount)
     ORDER BY l.account_id, l.shard`;
  const audit = `INSERT INTO audit_log (actor_id, actor_role, action, entity_type, entity_id, after, request_id) VALUES ($1, 'customer', 'contracts.purchased', 'contract', $2, $3, $4)`;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    s.floorCustomers.map(async (customer, i) => {
      let n = 0;
      while (performance.now() < deadline) {
        const begin = performance.now();
        const contractId = randomUUID();
        const key = `floor-${i}-${n++}`;
        const now = new Date();
        const startDay = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
        const client = await pool.connect();
        let status = 201;
        try {
          await client.query('BEGIN');
          await client.query(ledgerEntry, [
            `contract.purchase:${customer.id}:${key}`,
            contractId,
            customer.id,
            now,
            customer.accountId,
            (-PRICE_MICRO_USD).toString(),
            s.salesRevenue.id,
            Math.floor(Math.random() * s.salesRevenue.shards),
            PRICE_MICRO_USD.toString(),
          ]);
          await client.query(audit, [
            customer.id,
            contractId,
            JSON.stringify({ productId: p.id, hashrateGhs: '1000', pricePaidMicroUsd: PRICE_MICRO_USD.toString(), startDay }),
            key,
          ]);
          const reserved = await client.query(RESERVE_AND_INSERT_SQL, [
            contractId,
            p.id,
            '1000',
            now,
            startDay,
            p.term_days,
            PRICE_MICRO_USD.toString(),
            p.upfront_price_usd_per_th,
            p.electricity_fee_usd_per_th_day,
            p.management_fee_bps,
            p.uptime_guarantee_bps,
            p.arrears_grace_days,
            customer.id,
            key,
            `${p.id}:1000`,
          ]);
          if (reserved.rowCount !== 1) throw new Error('floor product sold out');
          await client.query('COMMIT');
        } catch {
          status = 0;
          await client.query('ROLLBACK').catch(() => undefined);
        } finally {
          client.release();
        }
        record(outcome, status, performance.now() - begin);
      }
    }),
  );
  outcome.elapsedS = (performance.now() - start) / 1000;
  return outcome;
}

/**
 * What the database says after the runs. oversold: products whose sold counter or live contracts
 * exceed their allocation, or whose counter differs from their live contracts. double_charged:
 * purchases with more than one ledger entry, and entries without a contract.
 */
async function check(pool: pg.Pool) {
  const { rows } = await pool.query(
    `WITH live AS (
       SELECT product_id, SUM(hashrate_ghs) AS ghs FROM contracts WHERE status IN ('pending', 'active', 'paused') GROUP BY product_id
     )
     SELECT
       (SELECT COUNT(*) FROM products p LEFT JOIN live l ON l.product_id = p.id
         WHERE p.sold_ghs > p.capacity_allocated_ghs OR COALESCE(l.ghs, 0) > p.capacity_allocated_ghs OR p.sold_ghs <> COALESCE(l.ghs, 0)) AS oversold,
       (SELECT COUNT(*) FROM (SELECT reference FROM ledger_entries WHERE type = 'contract.purchase' GROUP BY reference HAVING COUNT(*) > 1) d)
       + (SELECT COUNT(*) FROM ledger_entries e WHERE e.type = 'contract.purchase' AND NOT EXISTS (SELECT 1 FROM contracts c WHERE c.id::text = e.reference)) AS double_charged,
       (SELECT COUNT(*) FROM contracts c WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.type = 'contract.purchase' AND e.reference = c.id::text)) AS unpaid,
       (SELECT COUNT(*) FROM contracts) AS contracts`,
  );
  const r = rows[0];
  return { oversold: Number(r.oversold), doubleCharged: Number(r.double_charged), unpaid: Number(r.unpaid), contracts: Number(r.contracts) };
}

/** p99 latency of the answers that arrived in each second of a phase (BENCH_TIMELINE=1): where the tail comes from. */
function timeline(o: Outcome): string[] {
  const seconds: number[][] = [];
  o.answeredAt.forEach((at, i) => (seconds[Math.floor(at / 1000)] ??= []).push(o.latencies[i]));
  return Array.from(seconds, (l) =>
    l
      ? fmt(
          pct(
            l.sort((x, y) => x - y),
            0.99,
          ),
        )
      : '-',
  );
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);
const statuses = (o: Outcome) => [...o.statuses.entries()].map(([s, n]) => `${s}:${n}`).join(' ');

async function main(): Promise<void> {
  process.stdout.write(
    `purchase bench: ${RATE}/s open loop and closed loop for ${SECONDS} s each over ${CONNECTIONS} connections to ${API_PROCESSES} API process(es); load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  await prepareDatabase();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: DB_POOL });
  const children = await Promise.all(Array.from({ length: API_PROCESSES }, (_, i) => startApi(PORT + i)));
  try {
    const s = await seed(pool);
    process.stdout.write(`seeded: 1,000,000 TH/s online, ${CONNECTIONS} funded customers for the API and ${CONNECTIONS} for the floor\n`);
    const connections = s.appCustomers.map(
      (c, i) => new Connection(c, s.appProductId, `bench-${i}-${randomBytes(3).toString('hex')}`, PORT + (i % API_PROCESSES)),
    );

    const skipped = (): Outcome => ({ ok: 0, errors: 0, statuses: new Map(), latencies: [], answeredAt: [], startedAt: 0, elapsedS: 1 });
    await openLoop(connections, RATE, 3); // warm-up: JIT, connection pools, plans
    // What autovacuum does on a live database: statistics that describe tables holding contracts.
    // Against the freshly seeded ones (contracts known to be empty) Postgres plans the foreign
    // key checks of new contract and history rows as sequential scans and keeps those plans
    // until the next ANALYZE, so a run would measure scans of a growing table, not purchases.
    await pool.query('ANALYZE');
    const a = PHASES.has('a') ? await openLoop(connections, RATE, SECONDS) : skipped();
    if (env.BENCH_TIMELINE) process.stdout.write(`(a) p99 ms per second: ${timeline(a).join(' ')}\n`);
    const b = PHASES.has('b') ? await closedLoop(connections, SECONDS) : skipped();
    const f = PHASES.has('floor') ? await floor(pool, s, SECONDS) : skipped();
    connections.forEach((c) => c.close());

    const result = await check(pool);
    const aSorted = [...a.latencies].sort((x, y) => x - y);
    const bSorted = [...b.latencies].sort((x, y) => x - y);
    const fSorted = [...f.latencies].sort((x, y) => x - y);
    const achieved = a.ok / a.elapsedS;
    const max = b.ok / b.elapsedS;
    const floorRate = f.ok / f.elapsedS;
    const rows = [
      ['(a) open loop', `${RATE}/s`, fmt(achieved), fmt(pct(aSorted, 0.5), 1), fmt(pct(aSorted, 0.99), 1), String(a.errors), statuses(a)],
      ['(b) closed loop', `${CONNECTIONS} conn`, fmt(max), fmt(pct(bSorted, 0.5), 1), fmt(pct(bSorted, 0.99), 1), String(b.errors), statuses(b)],
      ['floor (bare pg)', `${CONNECTIONS} workers`, fmt(floorRate), fmt(pct(fSorted, 0.5), 1), fmt(pct(fSorted, 0.99), 1), String(f.errors), statuses(f)],
    ];
    const header = ['phase', 'load', 'purchases/s', 'p50 ms', 'p99 ms', 'errors', 'statuses'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
    process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
    process.stdout.write(
      `database: ${result.contracts} contracts, ${result.unpaid} unpaid, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    process.stdout.write(
      `bench purchase: rate=${RATE} achieved_per_s=${fmt(achieved)} p99_ms=${fmt(pct(aSorted, 0.99), 1)} max_per_s=${fmt(max)} errors=${a.errors + b.errors} ` +
        `oversold=${result.oversold} double_charged=${result.doubleCharged} floor_per_s=${fmt(floorRate)} ratio=${(floorRate / max).toFixed(2)}\n`,
    );
  } finally {
    children.forEach((child) => child.kill('SIGTERM'));
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
