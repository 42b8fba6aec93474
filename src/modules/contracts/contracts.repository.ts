import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { ContractStatus } from './entities/contract.entity.js';

/** A contract as the API and services see it. */
export interface ContractRow {
  id: string;
  customerId: string;
  productId: string;
  poolId: string;
  hashrateGhs: bigint;
  termDays: number;
  startDay: string;
  endDay: string;
  status: ContractStatus;
  statusChangedAt: Date;
  /** First day no longer delivered, for a cancelled or terminated contract. */
  stoppedOn: string | null;
  pricePaidMicroUsd: bigint;
  upfrontPriceUsdPerTh: string;
  electricityFeeUsdPerThDay: string;
  managementFeeBps: number;
  uptimeGuaranteeBps: number;
  arrearsGraceDays: number;
  idempotencyKey: string;
  requestFingerprint: string;
  createdAt: Date;
}

export interface StatusChangeRow {
  fromStatus: ContractStatus | null;
  toStatus: ContractStatus;
  changedAt: Date;
  actorId: string | null;
  reason: string;
}

/** The product's terms a purchase prices from, read without a lock and re-checked by the reserving UPDATE. */
export interface ProductTerms {
  id: string;
  poolId: string;
  status: string;
  termDays: number;
  upfrontPriceUsdPerTh: string;
  electricityFeeUsdPerThDay: string;
  managementFeeBps: number;
  uptimeGuaranteeBps: number;
  arrearsGraceDays: number;
  minPurchaseGhs: bigint;
  maxPurchaseGhs: bigint;
  capacityAllocatedGhs: bigint;
  soldGhs: bigint;
  salesStartAt: Date;
  salesEndAt: Date | null;
}

/** One purchase of a group written by insertContracts. */
export interface GroupPurchase {
  id: string;
  customerId: string;
  hashrateGhs: bigint;
  pricePaidMicroUsd: bigint;
  idempotencyKey: string;
  requestFingerprint: string;
}

const CONTRACT_COLUMNS = `
  c.id, c.customer_id AS "customerId", c.product_id AS "productId", c.pool_id AS "poolId", c.hashrate_ghs::text AS "hashrateGhs",
  c.term_days AS "termDays", c.start_day::text AS "startDay", c.end_day::text AS "endDay", c.status, c.status_changed_at AS "statusChangedAt",
  c.stopped_on::text AS "stoppedOn",
  c.price_paid_micro_usd::text AS "pricePaidMicroUsd", c.upfront_price_usd_per_th::text AS "upfrontPriceUsdPerTh",
  c.electricity_fee_usd_per_th_day::text AS "electricityFeeUsdPerThDay", c.management_fee_bps AS "managementFeeBps",
  c.uptime_guarantee_bps AS "uptimeGuaranteeBps", c.arrears_grace_days AS "arrearsGraceDays",
  c.idempotency_key AS "idempotencyKey", c.request_fingerprint AS "requestFingerprint", c.created_at AS "createdAt"`;

type RawContract = Omit<ContractRow, 'hashrateGhs' | 'pricePaidMicroUsd'> & { hashrateGhs: string; pricePaidMicroUsd: string };
const toContract = (r: RawContract): ContractRow => ({ ...r, hashrateGhs: BigInt(r.hashrateGhs), pricePaidMicroUsd: BigInt(r.pricePaidMicroUsd) });

/** What a TypeORM Postgres query runner exposes of its pg connection. */
interface PgQueryRunner {
  connect(): Promise<pg.ClientBase>;
}

/** SQL for contracts. The purchase path talks to the transaction's pg connection directly (it is the hottest path). */
@Injectable()
export class ContractsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private async client(manager: EntityManager = this.dataSource.manager): Promise<pg.ClientBase> {
    return (manager.queryRunner as unknown as PgQueryRunner).connect();
  }

  /**
   * What a purchase group is checked against, in one round trip: the product's terms and
   * counters, and which of the group's (customer, Idempotency-Key) pairs already bought a
   * contract. `lock` takes the product's row lock for the rest of the transaction (the mode
   * reserveCapacity's UPDATE takes, so it lets other groups' foreign key checks through).
   * Null when there is no such product.
   */
  async readForGroup(
    productId: string, keys: { customerId: string; idempotencyKey: string }[], lock: boolean, manager: EntityManager = this.dataSource.manager,
  ): Promise<{ terms: ProductTerms; bought: Set<string> } | null> {
    const client = await this.client(manager);
    const { rows } = await client.query<
      Omit<ProductTerms, 'minPurchaseGhs' | 'maxPurchaseGhs' | 'capacityAllocatedGhs' | 'soldGhs'> &
        Record<'minPurchaseGhs' | 'maxPurchaseGhs' | 'capacityAllocatedGhs' | 'soldGhs', string> & { bought: string[] }
    >({
      // Named: each connection plans the group's statements once, not on every group.
      name: lock ? 'hm_contracts_read_group_locked_v1' : 'hm_contracts_read_group_v1',
      text: `SELECT id, pool_id AS "poolId", status, term_days AS "termDays", upfront_price_usd_per_th::text AS "upfrontPriceUsdPerTh",
              electricity_fee_usd_per_th_day::text AS "electricityFeeUsdPerThDay", management_fee_bps AS "managementFeeBps",
              uptime_guarantee_bps AS "uptimeGuaranteeBps", arrears_grace_days AS "arrearsGraceDays",
              min_purchase_ghs::text AS "minPurchaseGhs", max_purchase_ghs::text AS "maxPurchaseGhs",
              capacity_allocated_ghs::text AS "capacityAllocatedGhs", sold_ghs::text AS "soldGhs",
              sales_start_at AS "salesStartAt", sales_end_at AS "salesEndAt",
              ARRAY(SELECT c.customer_id || ':' || c.idempotency_key FROM contracts c
                     WHERE (c.customer_id, c.idempotency_key) IN (SELECT * FROM unnest($2::uuid[], $3::text[]))) AS bought
         FROM products WHERE id = $1 ${lock ? 'FOR NO KEY UPDATE' : ''}`,
      values: [productId, keys.map((k) => k.customerId), keys.map((k) => k.idempotencyKey)],
    });
    const r = rows[0];
    if (!r) return null;
    const { bought, ...terms } = r;
    return {
      terms: {
        ...terms,
        minPurchaseGhs: BigInt(r.minPurchaseGhs),
        maxPurchaseGhs: BigInt(r.maxPurchaseGhs),
        capacityAllocatedGhs: BigInt(r.capacityAllocatedGhs),
        soldGhs: BigInt(r.soldGhs),
      },
      bought: new Set(bought),
    };
  }

  /**
   * Inserts a group's contracts and their first history rows, with the terms the group was
   * priced from. Their hash rate is not reserved yet: reserveCapacity does that, last, in the same
   * transaction. The foreign key check takes only a key-share lock on the product's row, which
   * never waits for another group's reservation.
   */
  async insertContracts(group: { terms: ProductTerms; now: Date; startDay: string; purchases: GroupPurchase[] }, manager: EntityManager = this.dataSource.manager): Promise<ContractRow[]> {
    const t = group.terms;
    const p = group.purchases;
    const client = await this.client(manager);
    const result = await client.query<RawContract>({
      name: 'hm_contracts_insert_group_v1',
      text: `WITH contract AS (
         INSERT INTO contracts (id, customer_id, product_id, pool_id, hashrate_ghs, term_days, start_day, end_day, status, status_changed_at,
                                price_paid_micro_usd, upfront_price_usd_per_th, electricity_fee_usd_per_th_day, management_fee_bps,
                                uptime_guarantee_bps, arrears_grace_days, idempotency_key, request_fingerprint)
         SELECT i.id, i.customer_id, $7::uuid, $8::uuid, i.hashrate_ghs, $9::int, $10::date, $10::date + $9::int - 1, 'pending', $11::timestamptz,
                i.price_paid_micro_usd, $12::numeric, $13::numeric, $14::int, $15::int, $16::int, i.idempotency_key, i.request_fingerprint
           FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[], $5::text[], $6::text[])
             AS i(id, customer_id, hashrate_ghs, price_paid_micro_usd, idempotency_key, request_fingerprint)
         RETURNING *
       ), history AS (
         INSERT INTO contract_status_changes (contract_id, from_status, to_status, changed_at, actor_id, reason)
         SELECT id, NULL, 'pending', $11::timestamptz, customer_id, 'purchased' FROM contract
       )
       SELECT ${CONTRACT_COLUMNS} FROM contract c`,
      values: [
        p.map((x) => x.id), p.map((x) => x.customerId), p.map((x) => x.hashrateGhs.toString()), p.map((x) => x.pricePaidMicroUsd.toString()),
        p.map((x) => x.idempotencyKey), p.map((x) => x.requestFingerprint),
        t.id, t.poolId, t.termDays, group.startDay, group.now, t.upfrontPriceUsdPerTh, t.electricityFeeUsdPerThDay, t.managementFeeBps, t.uptimeGuaranteeBps, t.arrearsGraceDays,
      ],
    });
    return result.rows.map(toContract);
  }

  /**
   * Adds a group's hash rate to the product's sold counter, provided the product still has room
   * for it and still has the terms the group was checked and priced against (on sale at `now`,
   * the same pool, prices, fees, guarantee and limits). False when it has not: the caller rolls
   * back and checks again. The counter's CHECK refuses an oversale whatever the code does. This
   * row lock is the only one purchases of one product share, so it comes last and is held
   * for this statement and the commit only.
   */
  async reserveCapacity(terms: ProductTerms, now: Date, hashrates: bigint[], manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const total = hashrates.reduce((sum, h) => sum + h, 0n);
    const smallest = hashrates.reduce((min, h) => (h < min ? h : min));
    const largest = hashrates.reduce((max, h) => (h > max ? h : max));
    const client = await this.client(manager);
    const result = await client.query({
      name: 'hm_contracts_reserve_v1',
      text: `UPDATE products SET sold_ghs = sold_ghs + $2::bigint
        WHERE id = $1 AND sold_ghs + $2::bigint <= capacity_allocated_ghs
          AND status = 'active' AND sales_start_at <= $3 AND (sales_end_at IS NULL OR sales_end_at > $3)
          AND min_purchase_ghs <= $4::bigint AND max_purchase_ghs >= $5::bigint
          AND pool_id = $6 AND term_days = $7 AND upfront_price_usd_per_th = $8::numeric AND electricity_fee_usd_per_th_day = $9::numeric
          AND management_fee_bps = $10 AND uptime_guarantee_bps = $11 AND arrears_grace_days = $12`,
      values: [
        terms.id, total.toString(), now, smallest.toString(), largest.toString(),
        terms.poolId, terms.termDays, terms.upfrontPriceUsdPerTh, terms.electricityFeeUsdPerThDay, terms.managementFeeBps, terms.uptimeGuaranteeBps, terms.arrearsGraceDays,
      ],
    });
    return result.rowCount === 1;
  }

  async findByKey(customerId: string, idempotencyKey: string, manager: EntityManager = this.dataSource.manager): Promise<ContractRow | null> {
    const rows: RawContract[] = await manager.query(`SELECT ${CONTRACT_COLUMNS} FROM contracts c WHERE c.customer_id = $1 AND c.idempotency_key = $2`, [customerId, idempotencyKey]);
    return rows[0] ? toContract(rows[0]) : null;
  }

  async find(id: string, lock = false, manager: EntityManager = this.dataSource.manager): Promise<ContractRow | null> {
    const rows: RawContract[] = await manager.query(`SELECT ${CONTRACT_COLUMNS} FROM contracts c WHERE c.id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toContract(rows[0]) : null;
  }

  /** A customer's contracts, newest first, keyset-paginated on (created_at to the millisecond, id). */
  async listForCustomer(customerId: string, page: { before?: [string, string]; limit: number; status?: ContractStatus }, manager: EntityManager = this.dataSource.manager): Promise<ContractRow[]> {
    const rows: RawContract[] = await manager.query(
      `SELECT ${CONTRACT_COLUMNS} FROM contracts c
        WHERE c.customer_id = $1
          AND ($2::text IS NULL OR c.status = $2)
          AND ($3::timestamptz IS NULL OR (date_trunc('milliseconds', c.created_at), c.id) < ($3::timestamptz, $4::uuid))
        ORDER BY date_trunc('milliseconds', c.created_at) DESC, c.id DESC
        LIMIT $5`,
      [customerId, page.status ?? null, page.before?.[0] ?? null, page.before?.[1] ?? null, page.limit + 1],
    );
    return rows.map(toContract);
  }

  async statusHistory(contractId: string, manager: EntityManager = this.dataSource.manager): Promise<StatusChangeRow[]> {
    return manager.query(
      `SELECT from_status AS "fromStatus", to_status AS "toStatus", changed_at AS "changedAt", actor_id AS "actorId", reason
         FROM contract_status_changes WHERE contract_id = $1 ORDER BY id`,
      [contractId],
    );
  }

  /**
   * Moves one contract to a final status (cancelled or terminated), records why and from which
   * day it is no longer delivered (stopped_on: today, or its start day if later), and returns
   * its hash rate to the product.
   */
  async close(contract: ContractRow, to: ContractStatus, now: Date, actorId: string | null, reason: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `WITH moved AS (
         UPDATE contracts SET status = $2, status_changed_at = $3, stopped_on = greatest(start_day, ($3::timestamptz AT TIME ZONE 'UTC')::date)
          WHERE id = $1 AND status = $6 RETURNING id, product_id, hashrate_ghs
       ), freed AS (
         UPDATE products p SET sold_ghs = p.sold_ghs - m.hashrate_ghs FROM moved m WHERE p.id = m.product_id
       )
       INSERT INTO contract_status_changes (contract_id, from_status, to_status, changed_at, actor_id, reason)
       SELECT id, $6, $2, $3, $4, $5 FROM moved`,
      [contract.id, to, now, actorId, reason, contract.status],
    );
  }

  /** Pending contracts whose start day has come become active (set-based). Returns how many moved. */
  async activateDue(today: string, now: Date, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const rows: { n: number }[] = await manager.query(
      `WITH moved AS (
         UPDATE contracts SET status = 'active', status_changed_at = $2 WHERE status = 'pending' AND start_day <= $1::date RETURNING id
       ), history AS (
         INSERT INTO contract_status_changes (contract_id, from_status, to_status, changed_at, actor_id, reason)
         SELECT id, 'pending', 'active', $2, NULL, 'start day reached' FROM moved
       )
       SELECT COUNT(*)::int AS n FROM moved`,
      [today, now],
    );
    return rows[0].n;
  }

  /**
   * Active and paused contracts past their end day complete and give their hash rate back to
   * their products (set-based: one statement whatever the count). Returns how many moved.
   */
  async completeEnded(today: string, now: Date, manager: EntityManager = this.dataSource.manager): Promise<number> {
    // Products first, in id order, as an operator's termination locks its product before its
    // contracts. NO KEY UPDATE (what the counter update takes anyway) lets purchases' foreign key
    // checks through; purchases lock no existing contract, so they never wait on this in a cycle.
    await manager.query(
      `SELECT p.id FROM products p WHERE p.id IN (SELECT product_id FROM contracts WHERE status IN ('active', 'paused') AND end_day < $1::date) ORDER BY p.id FOR NO KEY UPDATE`,
      [today],
    );
    const rows: { n: number }[] = await manager.query(
      `WITH ended AS (
         SELECT id, status FROM contracts WHERE status IN ('active', 'paused') AND end_day < $1::date FOR UPDATE
       ), moved AS (
         UPDATE contracts c SET status = 'completed', status_changed_at = $2 FROM ended e WHERE c.id = e.id
         RETURNING c.id, e.status AS from_status, c.product_id, c.hashrate_ghs
       ), freed AS (
         UPDATE products p SET sold_ghs = p.sold_ghs - f.total
           FROM (SELECT product_id, SUM(hashrate_ghs) AS total FROM moved GROUP BY product_id) f
          WHERE p.id = f.product_id
       ), history AS (
         INSERT INTO contract_status_changes (contract_id, from_status, to_status, changed_at, actor_id, reason)
         SELECT id, from_status, 'completed', $2, NULL, 'end day passed' FROM moved
       )
       SELECT COUNT(*)::int AS n FROM moved`,
      [today, now],
    );
    return rows[0].n;
  }

  /** Live contracts of a product, locked, for an operator's termination. */
  async lockLiveForProduct(productId: string, manager: EntityManager = this.dataSource.manager): Promise<ContractRow[]> {
    const rows: RawContract[] = await manager.query(
      `SELECT ${CONTRACT_COLUMNS} FROM contracts c WHERE c.product_id = $1 AND c.status IN ('pending', 'active', 'paused') ORDER BY c.id FOR UPDATE`,
      [productId],
    );
    return rows.map(toContract);
  }

  /**
   * Terminates the given contracts, frees their hash rate and records why (set-based). A
   * contract is no longer delivered from today (or its start day if later): the days before it
   * stay its own, and settle whenever their earnings arrive.
   */
  async terminate(ids: string[], now: Date, actorId: string, reason: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const rows: { n: number }[] = await manager.query(
      `WITH target AS (
         SELECT id, status FROM contracts WHERE id = ANY($1::uuid[]) AND status IN ('pending', 'active', 'paused')
       ), moved AS (
         UPDATE contracts c SET status = 'terminated', status_changed_at = $2, stopped_on = greatest(c.start_day, ($2::timestamptz AT TIME ZONE 'UTC')::date)
           FROM target t WHERE c.id = t.id
         RETURNING c.id, t.status AS from_status, c.product_id, c.hashrate_ghs
       ), freed AS (
         UPDATE products p SET sold_ghs = p.sold_ghs - f.total
           FROM (SELECT product_id, SUM(hashrate_ghs) AS total FROM moved GROUP BY product_id) f
          WHERE p.id = f.product_id
       ), history AS (
         INSERT INTO contract_status_changes (contract_id, from_status, to_status, changed_at, actor_id, reason)
         SELECT id, from_status, 'terminated', $2, $3, $4 FROM moved
       )
       SELECT COUNT(*)::int AS n FROM moved`,
      [ids, now, actorId, reason],
    );
    return rows[0].n;
  }

  /** Hash rate of live contracts per product, recomputed from contracts (a check of the sold counters). */
  async liveHashrateByProduct(manager: EntityManager = this.dataSource.manager): Promise<Map<string, bigint>> {
    const rows: { productId: string; total: string }[] = await manager.query(
      `SELECT product_id AS "productId", SUM(hashrate_ghs)::text AS total FROM contracts WHERE status IN ('pending', 'active', 'paused') GROUP BY product_id`,
    );
    return new Map(rows.map((r) => [r.productId, BigInt(r.total)]));
  }
}
