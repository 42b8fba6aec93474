import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';
import type { Currency } from '../../../common/money/units.js';
import { LedgerEntry } from './ledger-entry.entity.js';

/**
 * One line of a journal entry: a signed change to one account (shard) balance, in minor units.
 * The key is the account shard and its sequence number, assigned by the trigger under the
 * balance row lock, so a customer account's postings form one exact chain:
 * balance_after(n) = balance_after(n - 1) + amount(n). Append-only (trigger).
 */
@Entity('ledger_postings')
@Index('uq_ledger_postings_entry_line', ['entryId', 'lineNo'], { unique: true })
@Check('ck_ledger_postings_amount', `amount_minor <> 0`)
export class LedgerPosting {
  @PrimaryColumn({ type: 'bigint', name: 'account_id' })
  accountId: string;

  @PrimaryColumn({ type: 'smallint' })
  shard: number;

  @PrimaryColumn({ type: 'bigint', name: 'account_seq' })
  accountSeq: string;

  @Column({ type: 'bigint', name: 'entry_id' })
  entryId: string;

  @ManyToOne(() => LedgerEntry, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'entry_id', foreignKeyConstraintName: 'fk_ledger_postings_entry' })
  entry?: LedgerEntry;

  @Column({ type: 'smallint', name: 'line_no' })
  lineNo: number;

  @Column({ type: 'text' })
  currency: Currency;

  @BigIntColumn({ name: 'amount_minor' })
  amountMinor: bigint;

  /** The account's (for a sharded platform account: the shard's) balance after this posting. */
  @BigIntColumn({ name: 'balance_after_minor' })
  balanceAfterMinor: bigint;

  @Column({ type: 'timestamptz', name: 'posted_at' })
  postedAt: Date;
}
