import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { columnsOf, field, mapRows, pgClient, queryEntities, rowShape } from '../../database/data-access.js';
import { ContractStatusChange } from './entities/contract-status-change.entity.js';
import { Contract, type ContractStatus } from './entities/contract.entity.js';
import { Product } from './entities/product.entity.js';

export const CONTRACT_PROPS = [
  'id',
  'customerId',
  'productId',
  'poolId',
  'hashrateGhs',
  'termDays',
  'startDay',
  'endDay',
  'status',
  'statusChangedAt',
  'stoppedOn',
  'pricePaidMicroUsd',
  'upfrontPriceUsdPerTh',
  'electricityFeeUsdPerThDay',
  'managementFeeBps',
  'uptimeGuaranteeBps',
  'arrearsGraceDays',
  'idempotencyKey',
  'requestFingerprint',
  'createdAt',
] as const satisfies readonly (keyof Contract)[];

/** A contract as the API and services see it (stoppedOn: first day no longer delivered, for a cancelled or terminated one). */
export type ContractRow = Pick<Contract, (typeof CONTRACT_PROPS)[number]>;

const STATUS_CHANGE_PROPS = ['fromStatus', 'toStatus', 'changedAt', 'actorId', 'reason'] as const satisfies readonly (keyof ContractStatusChange)[];

export type StatusChangeRow = Pick<ContractStatusChange, (typeof STATUS_CHANGE_PROPS)[number]>;

const TERMS_PROPS = [
  'id',
  'poolId',
  'status',
  'termDays',
  'upfrontPriceUsdPerTh',
  'electricityFeeUsdPerThDay',
  'managementFeeBps',
  'uptimeGuaranteeBps',
  'arrearsGraceDays',
  'minPurchaseGhs',
  'maxPurchaseGhs',
  'capacityAllocatedGhs',
  'soldGhs',
  'salesStartAt',
  'salesEndAt',
] as const satisfies readonly (keyof Product)[];

/** The product's terms a purchase prices from, read without a lock and re-checked by the reserving UPDATE. */
export type ProductTerms = Pick<Product, (typeof TERMS_PROPS)[number]>;

/** One purchase of a group written by insertContracts. */
export interface GroupPurchase {
  id: string;
  customerId: string;
  hashrateGhs: bigint;
  pricePaidMicroUsd: bigint;
  idempotencyKey: string;
  requestFingerprint: string;
}

const BOUGHT = rowShape({ bought: field.as<string[]>() });

/** SQL for contracts. The purchase path talks to the transaction's pg connection directly (it is the hottest path). */
@Injectable()
export class ContractsRepository {
  /** The contract columns (alias c) for SELECT and RETURNING lists, built once: the prepared statements' text never changes. */
  private readonly contractColumns: string;
  private readonly termsColumns: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.contractColumns = columnsOf(dataSource, Contract, 'c', CONTRACT_PROPS);
    this.termsColumns = columnsOf(dataSource, Product, undefined, TERMS_PROPS);
  }

  /**
   * What a purchase group is checked against, in one round trip: the product's terms and
   * counters, and which of the group's (customer, Idempotency-Key) pairs already bought a
   * contract. `lock` takes the product's row lock for the rest of the transaction (the mode
   * reserveCapacity's UPDATE takes, so it lets other groups' foreign key checks through).
   * Null when there is no such product.
   */
  async readForGroup(
    productId: string,
    keys: { customerId: string; idempotencyKey: string }[],
    lock: boolean,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ terms: ProductTerms; bought: Set<string> } | null> {
    const client = await pgClient(manager);
    const { rows } = await client.query({
      // Named: each connection plans the group's statements once, not on every group.
      name: lock ? 'hm_contracts_read_group_locked_v1' : 'hm_contracts_read_group_v1',
      text: `SELECT ${this.termsColumns},
              ARRAY(SELECT c.customer_id || ':' || c.idempotency_key FROM contracts c
                     WHERE (c.customer_id, c.idempotency_key) IN (SELECT * FROM unnest($2::uuid[], $3::text[]))) AS bought
         FROM products WHERE id = $1 ${lock ? 'FOR NO KEY UPDATE' : ''}`,
      values: [productId, keys.map((k) => k.customerId), keys.map((k) => k.idempotencyKey)],
    });
    if (rows.length === 0) return null;
    const [terms] = mapRows(manager, Product, rows) as ProductTerms[];
    const [{ bought }] = BOUGHT.map(rows);
    return { terms, bought: new Set(bought) };
  }

  /**
   * Inserts a group's contracts and their first history rows, with the terms the group was
   * priced from. Their hash rate is not reserved yet: reserveCapacity does that, last, in the same
   * transaction. The foreign key check takes only a key-share lock on the product's row, which
   * never waits for another group's reservation.
   */
  async insertContracts(
    group: { terms: ProductTerms; now: Date; startDay: string; purchases: GroupPurchase[] },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ContractRow[]> {
    const t = group.terms;
    const p = group.purchases;
    const client = await pgClient(manager);
    const result = await client.query({
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
       SELECT ${this.contractColumns} FROM contract c`,
      values: [
        p.map((x) => x.id),
        p.map((x) => x.customerId),
        p.map((x) => x.hashrateGhs.toString()),
        p.map((x) => x.pricePaidMicroUsd.toString()),
        p.map((x) => x.idempotencyKey),
        p.map((x) => x.requestFingerprint),
        t.id,
        t.poolId,
        t.termDays,
        group.startDay,
        group.now,
        t.upfrontPriceUsdPerTh,
        t.electricityFeeUsdPerThDay,
        t.managementFeeBps,
        t.uptimeGuaranteeBps,
        t.arrearsGraceDays,
      ],
    });
    return mapRows(manager, Contract, result.rows);
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
    const client = await pgClient(manager);
    const result = await client.query({
      name: 'hm_contracts_reserve_v1',
      text: `UPDATE products SET sold_ghs = sold_ghs + $2::bigint
        WHERE id = $1 AND sold_ghs + $2::bigint <= capacity_allocated_ghs
          AND status = 'active' AND sales_start_at <= $3 AND (sales_end_at IS NULL OR sales_end_at > $3)
          AND min_purchase_ghs <= $4::bigint AND max_purchase_ghs >= $5::bigint
          AND pool_id = $6 AND term_days = $7 AND upfront_price_usd_per_th = $8::numeric AND electricity_fee_usd_per_th_day = $9::numeric
          AND management_fee_bps = $10 AND uptime_guarantee_bps = $11 AND arrears_grace_days = $12`,
      values: [
        terms.id,
        total.toString(),
        now,
        smallest.toString(),
        largest.toString(),
        terms.poolId,
        terms.termDays,
        terms.upfrontPriceUsdPerTh,
        terms.electricityFeeUsdPerThDay,
        terms.managementFeeBps,
        terms.uptimeGuaranteeBps,
        terms.arrearsGraceDays,
      ],
    });
    return result.rowCount === 1;
  }

  async findByKey(customerId: string, idempotencyKey: string, manager: EntityManager = this.dataSource.manager): Promise<ContractRow | null> {
    const [contract] = await queryEntities(
      manager,
      Contract,
      `SELECT ${this.contractColumns} FROM contracts c WHERE c.customer_id = $1 AND c.idempotency_key = $2`,
      [customerId, idempotencyKey],
    );
    return contract ?? null;
  }

  async find(id: string, lock = false, manager: EntityManager = this.dataSource.manager): Promise<ContractRow | null> {
    const [contract] = await queryEntities(manager, Contract, `SELECT ${this.contractColumns} FROM contracts c WHERE c.id = $1 ${lock ? 'FOR UPDATE' : ''}`, [
      id,
    ]);
    return contract ?? null;
  }

  /** A customer's contracts, newest first, keyset-paginated on (created_at to the millisecond, id). */
  async listForCustomer(
    customerId: string,
    page: { before?: [string, string]; limit: number; status?: ContractStatus },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ContractRow[]> {
    return queryEntities(
      manager,
      Contract,
      `SELECT ${this.contractColumns} FROM contracts c
        WHERE c.customer_id = $1
          AND ($2::text IS NULL OR c.status = $2)
          AND ($3::timestamptz IS NULL OR (date_trunc('milliseconds', c.created_at), c.id) < ($3::timestamptz, $4::uuid))
        ORDER BY date_trunc('milliseconds', c.created_at) DESC, c.id DESC
        LIMIT $5`,
      [customerId, page.status ?? null, page.before?.[0] ?? null, page.before?.[1] ?? null, page.limit + 1],
    );
  }

  async statusHistory(contractId: string, manager: EntityManager = this.dataSource.manager): Promise<StatusChangeRow[]> {
    return queryEntities(
      manager,
      ContractStatusChange,
      `SELECT ${columnsOf(manager, ContractStatusChange, undefined, STATUS_CHANGE_PROPS)}
         FROM contract_status_changes WHERE contract_id = $1 ORDER BY id`,
      [contractId],
    );
  }
}
