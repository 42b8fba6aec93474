import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OutboxRepository, type OutboxRow } from './outbox.repository.js';

/** JSON-safe copy: bigint becomes a decimal string, Dates ISO strings. */
function jsonSafe(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
}

/** Announcements that leave the system after commit (email, webhooks), written transactionally. */
@Injectable()
export class OutboxService {
  constructor(private readonly repository: OutboxRepository) {}

  /** Adds a message inside the caller's transaction: it exists if and only if the change committed. */
  async add(manager: EntityManager, topic: string, payload: Record<string, unknown>): Promise<string> {
    return this.repository.insert(topic, jsonSafe(payload), manager);
  }

  /** Newest first; for operators' views and tests. */
  async recent(manager: EntityManager, topicPrefix: string, limit = 50): Promise<OutboxRow[]> {
    return this.repository.findByTopicPrefix(topicPrefix, limit, manager);
  }
}
