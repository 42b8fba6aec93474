import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface OutboxRow {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  dispatchedAt: Date | null;
}

@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(topic: string, payload: Record<string, unknown>, manager: EntityManager = this.dataSource.manager): Promise<string> {
    const rows: { id: string }[] = await manager.query(`INSERT INTO outbox (topic, payload) VALUES ($1, $2) RETURNING id`, [topic, payload]);
    return rows[0].id;
  }

  async findByTopicPrefix(prefix: string, limit: number, manager: EntityManager = this.dataSource.manager): Promise<OutboxRow[]> {
    return manager.query(
      `SELECT id, topic, payload, created_at AS "createdAt", dispatched_at AS "dispatchedAt"
         FROM outbox WHERE topic LIKE $1 || '%' ORDER BY id DESC LIMIT $2`,
      [prefix, limit],
    );
  }
}
