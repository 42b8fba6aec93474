import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { columnsOf, queryEntities } from '../../database/data-access.js';
import { Contract, type ContractStatus } from './entities/contract.entity.js';
import { CONTRACT_PROPS, type ContractRow } from './contracts.repository.js';

/**
 * SQL of a contract's life after purchase, set-based: activation on the start day, completion
 * after the end day, cancellation and termination (each recording why in contract_status_changes
 * and giving the hash rate back to the product).
 */
@Injectable()
export class ContractLifecycleRepository {
  private readonly contractColumns: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.contractColumns = columnsOf(dataSource, Contract, 'c', CONTRACT_PROPS);
  }

  /**
   * Moves one contract to a final status (cancelled or terminated), records why and from which
   * day it is no longer delivered (stopped_on: today, or its start day if later), and returns
   * its hash rate to the product.
   */
  async close(
    contract: ContractRow,
    to: ContractStatus,
    now: Date,
    actorId: string | null,
    reason: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
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
    return queryEntities(
      manager,
      Contract,
      `SELECT ${this.contractColumns} FROM contracts c WHERE c.product_id = $1 AND c.status IN ('pending', 'active', 'paused') ORDER BY c.id FOR UPDATE`,
      [productId],
    );
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
}
