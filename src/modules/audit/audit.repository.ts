import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditEntry } from './entities/audit-entry.entity.js';

export interface AuditFilter {
  actorId?: string;
  entityType?: string;
  entityId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  /** Keyset: rows with id below this (newest first). */
  beforeId?: string;
  limit: number;
}

@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(entry: Omit<AuditEntry, 'id' | 'occurredAt'>, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (actor_id, actor_role, action, entity_type, entity_id, before, after, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [entry.actorId, entry.actorRole, entry.action, entry.entityType, entry.entityId, entry.before, entry.after, entry.requestId],
    );
  }

  async insertMany(entries: Omit<AuditEntry, 'id' | 'occurredAt'>[], manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (actor_id, actor_role, action, entity_type, entity_id, before, after, request_id)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[])`,
      [
        entries.map((e) => e.actorId),
        entries.map((e) => e.actorRole),
        entries.map((e) => e.action),
        entries.map((e) => e.entityType),
        entries.map((e) => e.entityId),
        entries.map((e) => (e.before === null ? null : JSON.stringify(e.before))),
        entries.map((e) => (e.after === null ? null : JSON.stringify(e.after))),
        entries.map((e) => e.requestId),
      ],
    );
  }

  /** Newest first, keyset-paginated on id; every filter is optional. */
  async findPage(filter: AuditFilter, manager: EntityManager = this.dataSource.manager): Promise<AuditEntry[]> {
    const qb = manager.getRepository(AuditEntry).createQueryBuilder('a');
    if (filter.actorId) qb.andWhere('a.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.entityType) qb.andWhere('a.entity_type = :entityType', { entityType: filter.entityType });
    if (filter.entityId) qb.andWhere('a.entity_id = :entityId', { entityId: filter.entityId });
    if (filter.action) qb.andWhere('a.action = :action', { action: filter.action });
    if (filter.from) qb.andWhere('a.occurred_at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('a.occurred_at < :to', { to: filter.to });
    if (filter.beforeId) qb.andWhere('a.id < :beforeId', { beforeId: filter.beforeId });
    return qb
      .orderBy('a.id', 'DESC')
      .limit(filter.limit + 1)
      .getMany();
  }
}
