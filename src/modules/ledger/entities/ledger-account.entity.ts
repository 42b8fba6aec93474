import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Currency } from '../../../common/money/units.js';

/**
 * An account in the double-entry ledger: one per customer, currency and bucket (available,
 * reserved, arrears), plus the platform accounts (customer_id null). Accounts are never
 * updated or deleted (trigger); a customer account can only be opened for a user whose role
 * is customer (trigger). Platform accounts spread their balance over `shard_count` rows of
 * ledger_balances so that hot accounts do not serialize every transaction on one row lock.
 */
@Entity('ledger_accounts')
@Index('uq_ledger_accounts_customer', ['customerId', 'currency', 'name'], { unique: true, where: 'customer_id IS NOT NULL' })
@Index('uq_ledger_accounts_platform', ['name', 'currency'], { unique: true, where: 'customer_id IS NULL' })
@Check('ck_ledger_accounts_currency', `currency IN ('BTC', 'USD')`)
@Check('ck_ledger_accounts_name', `name ~ '^[a-z][a-z0-9_]{0,62}$'`)
@Check('ck_ledger_accounts_customer_bucket', `customer_id IS NULL OR name IN ('available', 'reserved', 'arrears')`)
@Check('ck_ledger_accounts_arrears_usd', `customer_id IS NULL OR name <> 'arrears' OR currency = 'USD'`)
@Check('ck_ledger_accounts_shards', `shard_count BETWEEN 1 AND 64 AND (customer_id IS NULL OR shard_count = 1)`)
export class LedgerAccount {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  /** The customer (users.id) for customer accounts; null for platform accounts. */
  @Column({ type: 'uuid', name: 'customer_id', nullable: true })
  customerId: string | null;

  /** Bucket for customer accounts (available, reserved, arrears); the account code for platform ones. */
  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  currency: Currency;

  @Column({ type: 'smallint', name: 'shard_count', default: 1 })
  shardCount: number;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
