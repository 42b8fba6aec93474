import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { embed, type SqlSource } from '../../common/sql/sql-source.js';
import { columnsOf, field, queryEntities, queryRows, rowShape } from '../../database/data-access.js';
import { Contract } from './entities/contract.entity.js';

/**
 * A contract is in force on day D when D is one of its days and it had not stopped by then:
 * start_day <= D <= end_day, and D before its stopped_on (set at cancellation or termination).
 * Decided by the contract's history as of D, never by its status today: a contract terminated
 * later is settled for every day before its termination whenever those days' earnings arrive.
 * Nothing can change this set for a day that can still settle (a past day): purchases start
 * tomorrow, stopped_on is today or later, and end days only grow.
 */
const inForceOn = (day: string, k = 'k') =>
  `${k}.start_day <= ${day}::date AND ${k}.end_day >= ${day}::date AND (${k}.stopped_on IS NULL OR ${k}.stopped_on > ${day}::date)`;

/** The contracts SQL that settlement composes into its own set-based statements. */
@Injectable()
export class ContractsSettlementRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Contracts of a pool in force on a day (see inForceOn), with the terms copied at purchase.
   * Uses idx_contracts_pool_status by its pool prefix (a chunk's customer-id range is a filter
   * on the pool's rows).
   */
  inForceSource(poolId: string, day: string): SqlSource {
    return {
      sql: `SELECT k.id AS contract_id, k.customer_id, k.product_id, k.hashrate_ghs,
                   k.electricity_fee_usd_per_th_day, k.management_fee_bps, k.uptime_guarantee_bps, k.arrears_grace_days
              FROM contracts k
             WHERE k.pool_id = $1::uuid AND ${inForceOn('$2')}`,
      params: [poolId, day],
    };
  }

  /**
   * Applies what settlement decided, set-based: rows (contract_id, extension_days, paused) from
   * settlement's own source, to the contracts in force on `day` (the run's day; see inForceOn).
   * The end day moves to start + term + extension - 1; active and
   * paused switch; a contract completed before an extension is active again. Each change of
   * status is recorded with its reason; a completed contract made active again takes its hash
   * rate back on its product's sold counter. Returns how many contracts changed.
   */
  async applyOutcomes(manager: EntityManager, source: SqlSource, day: string, changedAt: Date): Promise<number> {
    const params: unknown[] = [changedAt, day];
    const src = embed(source, params);
    const rows: { n: number }[] = await manager.query(
      `WITH o AS (${src}),
       n AS (
         -- A stopped contract keeps its end day: its refund covered the days to it already.
         SELECT k.id, k.status AS old_status, CASE WHEN k.stopped_on IS NULL THEN o.extension_days ELSE k.extension_days END AS extension_days,
                CASE WHEN k.status IN ('active', 'paused') AND o.paused THEN 'paused'
                     WHEN k.status = 'paused' AND NOT o.paused THEN 'active'
                     WHEN k.status = 'completed' AND k.start_day + k.term_days + o.extension_days - 1 >= ($1::timestamptz AT TIME ZONE 'UTC')::date
                       THEN 'active'
                     ELSE k.status END AS new_status
           FROM o JOIN contracts k ON k.id = o.contract_id AND ${inForceOn('$2')}
       ),
       changed AS (
         UPDATE contracts k
            SET extension_days = n.extension_days,
                end_day = k.start_day + k.term_days + n.extension_days - 1,
                status = n.new_status,
                status_changed_at = CASE WHEN n.new_status <> n.old_status THEN $1::timestamptz ELSE k.status_changed_at END
           FROM n
          WHERE k.id = n.id
            AND (k.extension_days, k.status) IS DISTINCT FROM (n.extension_days, n.new_status)
         RETURNING k.id, n.old_status, n.new_status, k.product_id, k.hashrate_ghs
       ),
       -- The lifecycle gave a completed contract's hash rate back to its product; an extension
       -- that makes it active again takes it back, so the product's sold counter keeps matching
       -- its live contracts (else the hash rate would be sold twice, and freed twice later). If the
       -- product sold it again in between, the allocation grows with it: the extension is owed.
       reopened AS (
         UPDATE products p
            SET sold_ghs = p.sold_ghs + r.total,
                capacity_allocated_ghs = greatest(p.capacity_allocated_ghs, p.sold_ghs + r.total)
           FROM (SELECT product_id, sum(hashrate_ghs) AS total FROM changed
                  WHERE old_status = 'completed' AND new_status = 'active' GROUP BY product_id) r
          WHERE p.id = r.product_id
       ),
       logged AS (
         INSERT INTO contract_status_changes (contract_id, from_status, to_status, changed_at, actor_id, reason)
         SELECT id, old_status, new_status, $1::timestamptz, NULL,
                CASE WHEN new_status = 'paused' THEN 'electricity arrears older than the grace period'
                     WHEN old_status = 'paused' THEN 'electricity arrears settled'
                     ELSE 'end day extended for hash rate delivered below the uptime guarantee' END
           FROM changed WHERE new_status <> old_status
       )
       SELECT count(*)::int AS n FROM changed`,
      params,
    );
    return rows[0].n;
  }

  async findForCustomer(customerId: string, contractId: string): Promise<SettlementContractView | null> {
    const rows = await queryEntities(
      this.dataSource,
      Contract,
      `SELECT ${columnsOf(this.dataSource, Contract, undefined, VIEW_FIELDS)} FROM contracts WHERE id = $1 AND customer_id = $2`,
      [contractId, customerId],
    );
    return rows[0] ?? null;
  }

  /** Hash rate sold per pool and day of a range: contracts in force that day (as settled), and how many. */
  async soldByPoolDay(from: string, to: string): Promise<{ poolId: string; day: string; soldGhs: bigint; contracts: number }[]> {
    return queryRows(
      this.dataSource,
      SOLD,
      `SELECT k.pool_id AS "poolId", d::date::text AS day, sum(k.hashrate_ghs)::text AS "soldGhs", count(*)::int AS contracts
         FROM generate_series($1::date, $2::date, interval '1 day') d
         JOIN contracts k ON ${inForceOn('d')}
        GROUP BY k.pool_id, d
        ORDER BY d, k.pool_id`,
      [from, to],
    );
  }

  /** Pools with at least one contract in force on the day. */
  async poolsWithContractsOn(day: string): Promise<string[]> {
    const rows: { pool_id: string }[] = await this.dataSource.query(`SELECT DISTINCT k.pool_id FROM contracts k WHERE ${inForceOn('$1')}`, [day]);
    return rows.map((r) => r.pool_id);
  }
}

const VIEW_FIELDS = ['id', 'customerId', 'poolId', 'startDay', 'endDay', 'status', 'extensionDays'] as const;

/** What settlement's customer view needs of a contract. */
export type SettlementContractView = Pick<Contract, (typeof VIEW_FIELDS)[number]>;

/** Hash rate sold by a pool on a day (GH/s), and how many contracts. */
const SOLD = rowShape({ poolId: field.text, day: field.text, soldGhs: field.bigint, contracts: field.int });
