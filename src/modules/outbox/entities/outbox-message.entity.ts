import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A message to leave the system (email, webhook) written in the same transaction as the change
 * it announces, so an announcement exists exactly when the change committed. A dispatcher
 * delivers undelivered rows and stamps `dispatched_at`.
 */
@Entity('outbox')
@Index('idx_outbox_undispatched', ['id'], { where: 'dispatched_at IS NULL' })
@Index('idx_outbox_topic', ['topic', 'id'])
export class OutboxMessage {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  /** Dotted event name, e.g. `capacity.routing_change.approved`. */
  @Column({ type: 'text' })
  topic: string;

  /** What the change was, ready to render into an email or post as a webhook body. */
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'dispatched_at', nullable: true })
  dispatchedAt: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;
}
