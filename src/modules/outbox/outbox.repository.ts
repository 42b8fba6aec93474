import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { columnsOf, queryEntities } from '../../database/data-access.js';
import { OutboxMessage } from './entities/outbox-message.entity.js';

const ROW_PROPS = ['id', 'topic', 'payload', 'createdAt', 'dispatchedAt'] as const satisfies readonly (keyof OutboxMessage)[];

export type OutboxRow = Pick<OutboxMessage, (typeof ROW_PROPS)[number]>;

@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(topic: string, payload: Record<string, unknown>, manager: EntityManager = this.dataSource.manager): Promise<string> {
    const rows: { id: string }[] = await manager.query(`INSERT INTO outbox (topic, payload) VALUES ($1, $2) RETURNING id`, [topic, payload]);
    return rows[0].id;
  }

  async findByTopicPrefix(prefix: string, limit: number, manager: EntityManager = this.dataSource.manager): Promise<OutboxRow[]> {
    return queryEntities(
      manager,
      OutboxMessage,
      `SELECT ${columnsOf(manager, OutboxMessage, undefined, ROW_PROPS)}
         FROM outbox WHERE topic LIKE $1 || '%' ORDER BY id DESC LIMIT $2`,
      [prefix, limit],
    );
  }
}
