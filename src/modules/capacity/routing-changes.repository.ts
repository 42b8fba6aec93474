import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { RoutingChange, type RoutingChangeStatus } from './entities/routing-change.entity.js';

/** SQL for routing change requests. */
@Injectable()
export class RoutingChangesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  insert(
    change: Omit<
      RoutingChange,
      'id' | 'createdAt' | 'approvedBy' | 'approvedAt' | 'effectiveAt' | 'appliedAt' | 'cancelledBy' | 'cancelledAt' | 'cancelReason'
    >,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<RoutingChange> {
    const repo = manager.getRepository(RoutingChange);
    return repo.save(
      repo.create({
        ...change,
        approvedBy: null,
        approvedAt: null,
        effectiveAt: null,
        appliedAt: null,
        cancelledBy: null,
        cancelledAt: null,
        cancelReason: null,
      }),
    );
  }

  find(id: string, lock = false, manager: EntityManager = this.dataSource.manager): Promise<RoutingChange | null> {
    const qb = manager.getRepository(RoutingChange).createQueryBuilder('c').where('c.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  save(change: RoutingChange, manager: EntityManager = this.dataSource.manager): Promise<RoutingChange> {
    return manager.getRepository(RoutingChange).save(change);
  }

  list(filter: { status?: RoutingChangeStatus; limit: number }, manager: EntityManager = this.dataSource.manager): Promise<RoutingChange[]> {
    const qb = manager.getRepository(RoutingChange).createQueryBuilder('c').orderBy('c.requested_at', 'DESC').addOrderBy('c.id', 'DESC').limit(filter.limit);
    if (filter.status) qb.andWhere('c.status = :status', { status: filter.status });
    return qb.getMany();
  }

  /** Requested or approved changes, oldest first (what the capacity view shows as pending). */
  listOpen(poolId?: string, manager: EntityManager = this.dataSource.manager): Promise<RoutingChange[]> {
    const qb = manager.getRepository(RoutingChange).createQueryBuilder('c').where(`c.status IN ('requested', 'approved')`).orderBy('c.requested_at', 'ASC');
    if (poolId) qb.andWhere('(c.pool_id = :poolId OR c.to_pool_id = :poolId)', { poolId });
    return qb.getMany();
  }

  /** Approved changes whose effective time has passed (served by the partial index on effective_at). */
  async findDueIds(now: Date, limit: number, manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM routing_change_requests WHERE status = 'approved' AND effective_at <= $1 ORDER BY effective_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }
}
