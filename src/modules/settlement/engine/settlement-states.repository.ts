import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { embed, type SqlSource } from '../../../common/sql/sql-source.js';
import { field, queryRows, rowShape } from '../../../database/data-access.js';

/** A customer of the pool with outstanding arrears, and how much (micro-USD). */
const OWING = rowShape({ customerId: field.text, arrearsMicroUsd: field.bigint });

/**
 * SQL of the state settlement carries per contract from one day to the next
 * (contract_settlement_states): applying what a run's chunks staged, USD collections, and the
 * outcomes the contracts module applies to its contracts.
 */
@Injectable()
export class SettlementStatesRepository {
  /**
   * Moves the carried state the run's chunks staged into contract_settlement_states and removes
   * the staged rows, in the run's completing transaction. A contract's first state row copies its
   * arrears grace days (a term fixed at purchase) from the contracts in force (`inForce`, the
   * contracts module's source), so that pauses are decided from this table alone. Returns how
   * many contracts changed.
   */
  async applyRunStates(manager: EntityManager, run: { id: string; poolId: string; day: string }, inForce: SqlSource): Promise<number> {
    const params: unknown[] = [run.id, run.poolId, run.day];
    const src = embed(inForce, params);
    const rows: { n: number }[] = await manager.query(
      `WITH applied AS (
         INSERT INTO contract_settlement_states AS st (contract_id, customer_id, pool_id, arrears_micro_usd, arrears_since,
                undelivered_ghs_ppm_days, extension_days, arrears_grace_days, last_day, updated_at)
         SELECT s.contract_id, s.customer_id, $2::uuid, s.arrears_micro_usd, s.arrears_since, s.undelivered_ghs_ppm_days, s.extension_days,
                c.arrears_grace_days, $3::date, now()
           FROM settlement_run_states s LEFT JOIN (${src}) c ON c.contract_id = s.contract_id
          WHERE s.run_id = $1::bigint
         ON CONFLICT (contract_id) DO UPDATE
            SET arrears_micro_usd = excluded.arrears_micro_usd, arrears_since = excluded.arrears_since,
                undelivered_ghs_ppm_days = excluded.undelivered_ghs_ppm_days, extension_days = excluded.extension_days,
                last_day = excluded.last_day, updated_at = excluded.updated_at
         RETURNING 1
       ), removed AS (
         DELETE FROM settlement_run_states WHERE run_id = $1::bigint
       )
       SELECT count(*)::int AS n FROM applied`,
      params,
    );
    return rows[0].n;
  }

  /** Customers of the pool with outstanding arrears, and how much (micro-USD), oldest debt first. */
  async customersInArrears(manager: EntityManager, poolId: string): Promise<{ customerId: string; arrearsMicroUsd: bigint }[]> {
    return queryRows(
      manager,
      OWING,
      `SELECT customer_id AS "customerId", sum(arrears_micro_usd)::text AS "arrearsMicroUsd" FROM contract_settlement_states
        WHERE pool_id = $1 AND arrears_micro_usd > 0 GROUP BY customer_id ORDER BY min(arrears_since), customer_id`,
      [poolId],
    );
  }

  /**
   * Applies USD collections to the customers' contracts in the pool, each customer's oldest
   * arrears first (then by contract id), in one statement. Returns how many contracts changed.
   */
  async applyUsdCollections(
    manager: EntityManager,
    poolId: string,
    collections: { customerId: string; amountMicroUsd: bigint }[],
    day: string,
  ): Promise<number> {
    if (collections.length === 0) return 0;
    const rows: { n: number }[] = await manager.query(
      `WITH paying AS (
         SELECT * FROM unnest($2::uuid[], $3::bigint[]) AS c(customer_id, amount)
       ), owing AS (
         SELECT st.contract_id, st.arrears_micro_usd, p.amount AS paid_by_customer,
                sum(st.arrears_micro_usd) OVER (PARTITION BY st.customer_id ORDER BY st.arrears_since, st.contract_id) - st.arrears_micro_usd AS before
           FROM contract_settlement_states st JOIN paying p ON p.customer_id = st.customer_id
          WHERE st.pool_id = $1 AND st.arrears_micro_usd > 0
       ), paid AS (
         SELECT contract_id, least(arrears_micro_usd, greatest(paid_by_customer - before, 0)) AS amount FROM owing
       ), upd AS (
         UPDATE contract_settlement_states st
            SET arrears_micro_usd = st.arrears_micro_usd - paid.amount,
                arrears_since = CASE WHEN st.arrears_micro_usd - paid.amount = 0 THEN NULL ELSE st.arrears_since END,
                last_day = greatest(st.last_day, $4::date), updated_at = now()
           FROM paid WHERE st.contract_id = paid.contract_id AND paid.amount > 0
         RETURNING 1
       ) SELECT count(*)::int AS n FROM upd`,
      [poolId, collections.map((c) => c.customerId), collections.map((c) => c.amountMicroUsd.toString()), day],
    );
    return rows[0].n;
  }

  /**
   * What the contracts of the pool should show after a run, from this table alone: rows
   * (contract_id, extension_days, arrears_micro_usd, paused on `nextDay`). The contracts module
   * embeds it and keeps the contracts in force on the run's day (ContractsSettlementService.applySettlementOutcomes).
   */
  outcomesSource(poolId: string, nextDay: string): SqlSource {
    return {
      sql: `SELECT st.contract_id, st.extension_days,
                   (st.arrears_micro_usd > 0 AND $2::date - st.arrears_since > st.arrears_grace_days) IS TRUE AS paused
              FROM contract_settlement_states st
             WHERE st.pool_id = $1::uuid`,
      params: [poolId, nextDay],
    };
  }

  async countExtended(manager: EntityManager, poolId: string, day: string): Promise<number> {
    const rows: { n: number }[] = await manager.query(
      `SELECT count(*)::int AS n FROM contract_settlement_states WHERE pool_id = $1 AND last_day = $2 AND extension_days > 0`,
      [poolId, day],
    );
    return rows[0].n;
  }
}
