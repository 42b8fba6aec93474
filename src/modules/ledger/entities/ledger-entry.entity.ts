import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A journal entry: one business event (a deposit, a purchase, a day's settlement of a
 * customer) whose postings sum to zero per currency (deferred constraint trigger). Append-only:
 * corrections are new entries. The idempotency key is unique, so a replay is a no-op at the
 * database; the request hash tells a replay (same content) from a conflict (different content).
 */
@Entity('ledger_entries')
@Index('uq_ledger_entries_idempotency_key', ['idempotencyKey'], { unique: true })
@Check('ck_ledger_entries_type', `type ~ '^[a-z][a-z0-9_.]{0,62}$'`)
@Check('ck_ledger_entries_idempotency_key', `length(idempotency_key) BETWEEN 1 AND 200`)
@Check('ck_ledger_entries_reference', `reference IS NULL OR length(reference) <= 200`)
export class LedgerEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ type: 'text', name: 'idempotency_key' })
  idempotencyKey: string;

  /** What the entry is about, for people: an external deposit reference, a contract id. */
  @Column({ type: 'text', nullable: true })
  reference: string | null;

  /** Null when the system acted on its own (settlement job, CLI). */
  @Column({ type: 'uuid', name: 'actor_id', nullable: true })
  actorId: string | null;

  @Column({ type: 'text', name: 'actor_role' })
  actorRole: string;

  /** sha256 of the canonical content (type, reference, lines). */
  @Column({ type: 'text', name: 'request_hash' })
  requestHash: string;

  /** Business time (the application clock); statements and ledger pages go by it. */
  @Column({ type: 'timestamptz', name: 'posted_at' })
  postedAt: Date;

  /** Database time the row was written. */
  @CreateDateColumn({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;
}
