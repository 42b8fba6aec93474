import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface OutboxRow {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  dispatchedAt: Date | null;
}

@Injectable()
export class OutboxRepository {
  async insert(manager: EntityManager, topic: string, payload: Record<string, unknown>): Promise<string> {
    const rows: { id: string }[] = await manager.query(`INSERT INTO outbox (topic, payload) VALUES ($1, $2) RETURNING id`, [topic, payload]);
    return rows[0].id;
  }

  async findByTopicPrefix(manager: EntityManager, prefix: string, limit: number): Promise<OutboxRow[]> {
    return manager.query(
      `SELECT id, topic, payload, created_at AS "createdAt", dispatched_at AS "dispatchedAt"
         FROM outbox WHERE topic LIKE $1 || '%' ORDER BY id DESC LIMIT $2`,
      [prefix, limit],
    );
  }
}
