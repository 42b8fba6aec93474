import type pg from 'pg';

type Db = Pick<pg.Pool, 'query'>;

export interface SeedOptions {
  /** A short tag making names unique (emails, pool names). */
  tag: string;
  contracts: number;
  customers: number;
  startDay: string;
  termDays: number;
  /** GH/s of contract g (1-based) as a SQL expression of g; default 1..500 TH/s with 3 decimals. */
  hashrateSql?: string;
  /** Online capacity above what is sold, GH/s (the house). */
  unsoldGhs?: bigint;
  electricityFeeUsdPerThDay?: string;
  managementFeeBps?: number;
  uptimeGuaranteeBps?: number;
  arrearsGraceDays?: number;
}

export interface Seeded {
  poolId: string;
  productId: string;
  staffId: string;
  soldGhs: bigint;
  onlineGhs: bigint;
}

/**
 * Seeds a pool with `contracts` contracts over `customers` customers in a handful of set-based
 * statements (generate_series), as the purchase flow would have left them: the benchmark and
 * the settlement tests share it.
 */
export async function seedPopulation(db: Db, o: SeedOptions): Promise<Seeded> {
  const hashrate = o.hashrateSql ?? `(1000 + (abs(hashtext('h' || g)) % 499000))::bigint`;
  const staff = await db.query<{ id: string }>(`INSERT INTO users (email, password_hash, role) VALUES ($1, 'x', 'operator') RETURNING id`, [
    `ops-${o.tag}@example.test`,
  ]);
  const staffId = staff.rows[0].id;
  await db.query(
    `INSERT INTO users (id, email, password_hash, role)
     SELECT overlay(overlay(md5($1 || '-c-' || g) placing '4' from 13) placing '8' from 17)::uuid, 'c' || g || '-' || $1 || '@example.test', 'x', 'customer' FROM generate_series(1, $2::int) g`,
    [o.tag, o.customers],
  );
  const pool = await db.query<{ id: string }>(
    `INSERT INTO pools (name, stratum_endpoint, payout_scheme, fee_bps, payout_address)
     VALUES ($1, 'stratum+tcp://pool.example:3333', 'FPPS', 200, 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq') RETURNING id`,
    [`pool-${o.tag}`],
  );
  const poolId = pool.rows[0].id;
  const product = await db.query<{ id: string }>(
    `INSERT INTO products (name, pool_id, term_days, upfront_price_usd_per_th, electricity_fee_usd_per_th_day, electricity_fee_source,
                           management_fee_bps, min_purchase_ghs, max_purchase_ghs, capacity_allocated_ghs, sold_ghs, sales_start_at,
                           uptime_guarantee_bps, arrears_grace_days, status, created_by)
     VALUES ($1, $2, $3, 10, $4, 'fixed', $5, 1, 1000000000, 9000000000000000, 0, '2020-01-01', $6, $7, 'active', $8) RETURNING id`,
    [
      `product-${o.tag}`,
      poolId,
      o.termDays,
      o.electricityFeeUsdPerThDay ?? '0.02',
      o.managementFeeBps ?? 1000,
      o.uptimeGuaranteeBps ?? 9500,
      o.arrearsGraceDays ?? 3,
      staffId,
    ],
  );
  const productId = product.rows[0].id;
  // Contracts in id order = insertion order is not assumed: ids are random uuids, as purchases make them.
  await db.query(
    `INSERT INTO contracts (customer_id, product_id, pool_id, hashrate_ghs, term_days, start_day, end_day, status, status_changed_at,
                            price_paid_micro_usd, upfront_price_usd_per_th, electricity_fee_usd_per_th_day, management_fee_bps,
                            uptime_guarantee_bps, arrears_grace_days, idempotency_key, request_fingerprint)
     SELECT overlay(overlay(md5($1 || '-c-' || (1 + (g * 7919) % $3::int)) placing '4' from 13) placing '8' from 17)::uuid, $4, $5, ${hashrate}, $6::int, $7::date, $7::date + $6::int - 1, 'active', now(),
            0, 10, $8, $9, $10, $11, 'seed-' || g, 'seed'
       FROM generate_series(1::bigint, $2::bigint) g`,
    [
      o.tag,
      o.contracts,
      o.customers,
      productId,
      poolId,
      o.termDays,
      o.startDay,
      o.electricityFeeUsdPerThDay ?? '0.02',
      o.managementFeeBps ?? 1000,
      o.uptimeGuaranteeBps ?? 9500,
      o.arrearsGraceDays ?? 3,
    ],
  );
  const sold = await db.query<{ sold: string }>(`SELECT coalesce(sum(hashrate_ghs), 0)::text AS sold FROM contracts WHERE pool_id = $1`, [poolId]);
  const soldGhs = BigInt(sold.rows[0].sold);
  await db.query(`UPDATE products SET sold_ghs = $2 WHERE id = $1`, [productId, soldGhs.toString()]);
  const onlineGhs = soldGhs + (o.unsoldGhs ?? 0n);
  if (onlineGhs > 0n) {
    const site = await db.query<{ id: string }>(
      `INSERT INTO sites (name, power_capacity_kw, electricity_price_usd_per_kwh) VALUES ($1, 99999999999, 0.05) RETURNING id`,
      [`site-${o.tag}`],
    );
    // One unit of exactly the online hash rate, so the pool's online capacity is known to the GH/s.
    const model = await db.query<{ id: string }>(`INSERT INTO miner_models (name, hashrate_ghs, efficiency_j_per_th) VALUES ($1, $2, 0.001) RETURNING id`, [
      `model-${o.tag}`,
      onlineGhs.toString(),
    ]);
    const fleet = await db.query<{ id: string }>(
      `INSERT INTO fleets (name, site_id, miner_model_id, pool_id, unit_count, status, status_changed_at) VALUES ($1, $2, $3, $4, 1, 'online', '2020-01-01') RETURNING id`,
      [`fleet-${o.tag}`, site.rows[0].id, model.rows[0].id, poolId],
    );
    await db.query(
      `INSERT INTO fleet_status_changes (fleet_id, from_status, to_status, changed_at, reason) VALUES ($1, NULL, 'online', '2020-01-01', 'seed')`,
      [fleet.rows[0].id],
    );
  }
  return { poolId, productId, staffId, soldGhs, onlineGhs };
}

/** Records a day's BTC price, earnings (and optionally a hash-rate report) directly, as finance would have. */
export async function seedDayInputs(
  db: Db,
  s: { poolId: string; staffId: string },
  day: string,
  o: { priceUsd: string; earningsSats?: bigint; deliveredGhs?: bigint },
): Promise<void> {
  await db.query(`INSERT INTO btc_prices (day, usd_per_btc) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING`, [day, o.priceUsd]);
  if (o.earningsSats !== undefined) {
    await db.query(
      `INSERT INTO pool_earnings (pool_id, day, amount_sats, reference, revision, recorded_at, updated_at) VALUES ($1, $2, $3, 'seed', 1, now(), now())`,
      [s.poolId, day, o.earningsSats.toString()],
    );
  }
  if (o.deliveredGhs !== undefined) {
    await db.query(
      `INSERT INTO hashrate_reports (pool_id, day, delivered_ghs, uptime_bps, revision, reported_by, reported_at) VALUES ($1, $2, $3, 10000, 1, $4, now())`,
      [s.poolId, day, o.deliveredGhs.toString(), s.staffId],
    );
  }
}
