import type pg from 'pg';

type Db = Pick<pg.Pool, 'query'>;

export interface ReconciliationSeedOptions {
  /** Distinguishes the pools (fixed ids and names) of one seed from another's in the same database. */
  tag: number;
  pools: number;
  /** First day of the range the report is read over. */
  from: string;
  days: number;
  /** Days of settled history and payouts before `from` (the receivable's opening balance). */
  historyDays: number;
  /** When true the last pool has only payouts in the range (it shows up through them). */
  payoutOnlyPool?: boolean;
}

export interface ReconciliationSeed {
  poolIds: string[];
  from: string;
  to: string;
}

/** A pool id fixed by seed tag and pool number, so reports can be compared across runs. */
export const reconciliationPoolId = (tag: number, pool: number) =>
  `00000000-0000-4000-8000-${tag.toString(16).padStart(6, '0')}${pool.toString(16).padStart(6, '0')}`;

/**
 * Seeds what the reconciliation report reads, in a handful of set-based statements: pools with
 * different fees; difficulty (a day missing now and then); earnings (some days missing);
 * hash-rate reports (some missing, so the run's delivered figure is used, one of zero); runs
 * seq 0 (completed, failed, waiting, or none: "not opened") and adjustments (some not completed);
 * payouts before, inside and just outside the range. Everything is a pure function of the day
 * index and the pool number: the same options give the same rows.
 */
export async function seedReconciliation(db: Db, o: ReconciliationSeedOptions): Promise<ReconciliationSeed> {
  const poolIds = Array.from({ length: o.pools }, (_, i) => reconciliationPoolId(o.tag, i + 1));
  const to = (await db.query<{ to: string }>(`SELECT ($1::date + $2::int - 1)::text AS to`, [o.from, o.days])).rows[0].to;
  const staff = await db.query<{ id: string }>(`INSERT INTO users (email, password_hash, role) VALUES ($1, 'x', 'operator') RETURNING id`, [
    `recon-seed-${o.tag}@example.test`,
  ]);
  const last = o.payoutOnlyPool ? o.pools : 0;
  await db.query(
    `INSERT INTO pools (id, name, stratum_endpoint, payout_scheme, fee_bps, payout_address)
     SELECT ($1::uuid[])[p], 'recon-' || $2 || '-p' || p, 'stratum+tcp://pool.example:3333', 'FPPS', (p - 1) * 75, 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'
       FROM generate_series(1, $3::int) p`,
    [poolIds, o.tag, o.pools],
  );
  // The grid of (pool p, day index i) every other statement draws from; i < 0 is history.
  const grid = `SELECT p, i, $2::date + i AS day, ($1::uuid[])[p] AS pool_id
                  FROM generate_series(1, array_length($1::uuid[], 1)) p CROSS JOIN generate_series(-$3::int, $4::int - 1) i`;
  const args = [poolIds, o.from, o.historyDays, o.days];
  await db.query(
    `INSERT INTO network_difficulty (day, difficulty, block_subsidy_sats, avg_fees_per_block_sats)
     SELECT $1::date + i, 80000000000000 + i * 123456789.37 + ((i + 400) % 7) * 0.01, CASE WHEN $1::date + i < '2024-04-20' THEN 625000000 ELSE 312500000 END,
            1000000 + ((i + 400) * 7919) % 5000000
       FROM generate_series(-$2::int, $3::int - 1) i WHERE (i + 400) % 11 <> 5
     ON CONFLICT (day) DO NOTHING`,
    [o.from, o.historyDays, o.days],
  );
  await db.query(
    `INSERT INTO pool_earnings (pool_id, day, amount_sats, reference, revision, recorded_at, updated_at)
     SELECT pool_id, day, (60000 + (p * 7919 + (i + 400) * 104729) % 20000) * p, 'seed', 1, now(), now()
       FROM (${grid}) g WHERE (p + i + 400) % 7 <> 3 AND (p <> $5 OR i < 0)`,
    [...args, last],
  );
  await db.query(
    `INSERT INTO hashrate_reports (pool_id, day, delivered_ghs, uptime_bps, revision, reported_by, reported_at)
     SELECT pool_id, day, CASE WHEN (p + i + 400) % 13 = 0 THEN 0 ELSE (900000 + (p * 31 + (i + 400) * 17) % 200000) * p + (i + 400) % 1000 END,
            10000, 1, $5, now()
       FROM (${grid}) g WHERE (p * 3 + i + 400) % 5 <> 0 AND (p <> $6 OR i < 0)`,
    [...args, staff.rows[0].id, last],
  );
  // Runs of the days with earnings: seq 0 for most, then adjustments on some completed days (at
  // most one of a pool running, as uq_settlement_runs_running_pool allows).
  await db.query(
    `INSERT INTO settlement_runs (pool_id, day, seq, status, earnings_sats, delivered_ghs, contract_count, gross_sats, house_sats, electricity_fee_sats,
                                  management_fee_sats, arrears_collected_sats, net_sats, arrears_added_micro_usd, triggered_by, created_at, updated_at, prepared_at)
     SELECT e.pool_id, e.day, 0, s.status, e.amount_sats, 950000 * g.p + (g.i + 400) % 777, 10 + (g.i + 400) % 5, e.amount_sats - e.amount_sats / 10, e.amount_sats / 10,
            e.amount_sats / 20, e.amount_sats / 50, (g.i + 400) % 3, e.amount_sats - e.amount_sats / 10 - e.amount_sats / 20 - e.amount_sats / 50 - (g.i + 400) % 3,
            ((g.i + 400) % 4) * 1000000, 'seed', now(), now(), CASE WHEN s.status IN ('completed', 'running') THEN now() END
       FROM (${grid}) g JOIN pool_earnings e ON e.pool_id = g.pool_id AND e.day = g.day
      CROSS JOIN LATERAL (SELECT CASE WHEN g.i >= 0 AND (g.p + 2 * g.i) % 17 = 1 THEN 'failed' WHEN g.i >= 0 AND (g.p + 2 * g.i) % 17 = 2 THEN 'waiting' ELSE 'completed' END AS status) s
      WHERE (g.p * 5 + g.i + 400) % 9 <> 4`,
    args,
  );
  await db.query(
    `INSERT INTO settlement_runs (pool_id, day, seq, status, earnings_sats, contract_count, gross_sats, net_sats, triggered_by, created_at, updated_at, prepared_at)
     SELECT r.pool_id, r.day, 1, CASE WHEN (g.p + g.i + 400) % 12 = 8 AND g.i BETWEEN 0 AND 11 THEN 'running' ELSE 'completed' END, 250 - (g.p * 100), 99, 250 - (g.p * 100), 200 - (g.p * 100),
            'seed', now(), now(), now()
       FROM (${grid}) g JOIN settlement_runs r ON r.pool_id = g.pool_id AND r.day = g.day AND r.seq = 0 AND r.status = 'completed'
      WHERE (g.p + g.i + 400) % 6 = 2`,
    args,
  );
  await db.query(
    `INSERT INTO pool_payouts (pool_id, txid, vout, amount_sats, received_at, recorded_at)
     SELECT pool_id, md5('a' || pool_id || i) || md5('b' || pool_id || i), 0, 100000 * p + (i + 400) * 7, (day + interval '9 hours' + p * interval '1 minute') AT TIME ZONE 'UTC', now()
       FROM (${grid}) g WHERE (i + 400) % 4 = 3 OR p = $5
     UNION ALL
     -- the last second of the range counts; the first second after it does not
     SELECT pool_id, md5('c' || pool_id) || md5('d' || pool_id), 0, 3333 * p, (($2::date + $4::int)::timestamp - interval '1 second') AT TIME ZONE 'UTC', now() FROM (${grid}) g WHERE i = 0
     UNION ALL
     SELECT pool_id, md5('e' || pool_id) || md5('f' || pool_id), 0, 4444 * p, ($2::date + $4::int)::timestamp AT TIME ZONE 'UTC', now() FROM (${grid}) g WHERE i = 0`,
    [...args, last],
  );
  return { poolIds, from: o.from, to };
}
