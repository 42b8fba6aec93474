import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { AuditRepository, type AuditFilter } from './audit.repository.js';
import type { AuditEntry } from './entities/audit-entry.entity.js';

/** Who acted: a signed-in user, or the system itself (scheduled jobs, CLI). */
export type AuditActor = Pick<AuthenticatedUser, 'userId' | 'role'> | { userId: null; role: 'system' };

export const SYSTEM_ACTOR: AuditActor = { userId: null, role: 'system' };

export interface AuditRecord {
  actor: AuditActor;
  action: string;
  entityType: string;
  entityId: string;
  before?: object | null;
  after?: object | null;
  requestId?: string | null;
}

/** JSON-safe copy: bigint becomes a decimal string, Dates ISO strings. */
function snapshot(value: object | null | undefined): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
}

/** The audit log. Write in the same transaction as the change it describes. */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  /** Appends one entry inside the caller's transaction, so the change and its record commit together. */
  async record(manager: EntityManager, record: AuditRecord): Promise<void> {
    await this.repository.insert(
      {
        actorId: record.actor.userId,
        actorRole: record.actor.role,
        action: record.action,
        entityType: record.entityType,
        entityId: record.entityId,
        before: snapshot(record.before),
        after: snapshot(record.after),
        requestId: record.requestId ?? null,
      },
      manager,
    );
  }

  /** Appends many entries in one statement inside the caller's transaction (a group of purchases). */
  async recordMany(manager: EntityManager, records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.repository.insertMany(
      records.map((record) => ({
        actorId: record.actor.userId,
        actorRole: record.actor.role,
        action: record.action,
        entityType: record.entityType,
        entityId: record.entityId,
        before: snapshot(record.before),
        after: snapshot(record.after),
        requestId: record.requestId ?? null,
      })),
      manager,
    );
  }

  async list(filter: Omit<AuditFilter, 'beforeId'> & { cursor?: string }): Promise<Page<AuditEntry>> {
    const key = decodeCursor(filter.cursor, 1);
    // Ids are bigint: anything else in a cursor is a client error, not a failed query.
    if (key && !/^\d{1,18}$/.test(String(key[0]))) throw new ValidationFailedError('cursor', 'is not a valid cursor');
    const rows = await this.repository.findPage({ ...filter, beforeId: key ? String(key[0]) : undefined });
    return toPage(rows, filter.limit, (row) => [row.id]);
  }
}
