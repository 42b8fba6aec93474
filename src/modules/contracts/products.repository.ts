import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { field, queryRows, rowShape, type RowOf } from '../../database/data-access.js';
import { Product } from './entities/product.entity.js';

const POOL_SALES_ROW = {
  poolId: field.as<string>(),
  allocatedGhs: field.bigint,
  soldGhs: field.bigint,
  availableGhs: field.bigint,
  productCount: field.as<number>(),
};
const POOL_SALES = rowShape(POOL_SALES_ROW);
const TOTAL = rowShape({ total: field.bigint });

/** Per-pool sales figures, GH/s. */
export type PoolSales = RowOf<typeof POOL_SALES_ROW>;

/**
 * A product's effective allocation: once its sales window has closed, only what it sold stays
 * reserved (the unsold remainder returns to the pool).
 */
const effectiveAllocation = (now: string) =>
  `CASE WHEN p.sales_end_at IS NOT NULL AND p.sales_end_at <= ${now} THEN p.sold_ghs ELSE p.capacity_allocated_ghs END`;
/** On sale: active and inside the sales window at `now`. */
const onSale = (now: string) => `p.status = 'active' AND p.sales_start_at <= ${now} AND (p.sales_end_at IS NULL OR p.sales_end_at > ${now})`;
/** Keyset order of product lists: creation time (to the millisecond, as JS carries it) then id. */
const LIST_KEY = `(date_trunc('milliseconds', p.created_at), p.id)`;

/** SQL for products. */
@Injectable()
export class ProductsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  insert(product: Omit<Product, 'id' | 'createdAt' | 'updatedAt' | 'soldGhs' | 'pool'>, manager: EntityManager = this.dataSource.manager): Promise<Product> {
    const repo = manager.getRepository(Product);
    return repo.save(repo.create({ ...product, soldGhs: 0n }));
  }

  find(id: string, lock = false, manager: EntityManager = this.dataSource.manager): Promise<Product | null> {
    const qb = manager.getRepository(Product).createQueryBuilder('p').where('p.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  save(product: Product, manager: EntityManager = this.dataSource.manager): Promise<Product> {
    return manager.getRepository(Product).save(product);
  }

  /** Sum of the effective allocations of the pool's products at `now`, leaving out `excludeId`. */
  async poolAllocationGhs(poolId: string, now: Date, excludeId: string | null, manager: EntityManager = this.dataSource.manager): Promise<bigint> {
    const [row] = await queryRows(
      manager,
      TOTAL,
      `SELECT COALESCE(SUM(${effectiveAllocation('$1')}), 0)::text AS total FROM products p WHERE p.pool_id = $2 AND ($3::uuid IS NULL OR p.id <> $3::uuid)`,
      [now, poolId, excludeId],
    );
    return row.total;
  }

  /** Products on sale at `now` with hash rate left to sell (at least their minimum purchase), newest first. */
  async listOnSale(now: Date, page: { before?: [string, string]; limit: number }, manager: EntityManager = this.dataSource.manager): Promise<Product[]> {
    return this.listWhere(now, `${onSale(':now')} AND p.capacity_allocated_ghs - p.sold_ghs >= p.min_purchase_ghs`, page, manager);
  }

  async listAll(now: Date, page: { before?: [string, string]; limit: number }, manager: EntityManager = this.dataSource.manager): Promise<Product[]> {
    return this.listWhere(now, 'TRUE', page, manager);
  }

  private async listWhere(
    now: Date,
    where: string,
    page: { before?: [string, string]; limit: number },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Product[]> {
    const qb = manager
      .getRepository(Product)
      .createQueryBuilder('p')
      .where(where, { now })
      .orderBy(`date_trunc('milliseconds', p.created_at)`, 'DESC')
      .addOrderBy('p.id', 'DESC')
      .limit(page.limit + 1);
    if (page.before) qb.andWhere(`${LIST_KEY} < (CAST(:createdAt AS timestamptz), CAST(:id AS uuid))`, { createdAt: page.before[0], id: page.before[1] });
    return qb.getMany();
  }

  /** Allocated, sold and still-for-sale hash rate per pool at `now`. */
  async salesByPool(now: Date, manager: EntityManager = this.dataSource.manager): Promise<PoolSales[]> {
    return queryRows(
      manager,
      POOL_SALES,
      `SELECT p.pool_id AS "poolId",
              SUM(${effectiveAllocation('$1')})::text AS "allocatedGhs",
              SUM(p.sold_ghs)::text AS "soldGhs",
              COALESCE(SUM(p.capacity_allocated_ghs - p.sold_ghs) FILTER (WHERE ${onSale('$1')}), 0)::text AS "availableGhs",
              COUNT(*)::int AS "productCount"
         FROM products p GROUP BY p.pool_id`,
      [now],
    );
  }
}
