import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';
import type { Currency } from '../../../common/money/units.js';
import { LedgerAccount } from './ledger-account.entity.js';

/**
 * The current balance of an account (or of one shard of a platform account), in minor units
 * of its currency. Only the posting trigger changes it (a direct UPDATE raises), in the same
 * statement that inserts the posting, so it never drifts from the sum of postings. The bounds
 * are enforced twice: by a guarded update in the trigger (a clear error) and by these CHECKs.
 */
@Entity('ledger_balances')
@Check('ck_ledger_balances_min', `min_balance_minor IS NULL OR balance_minor >= min_balance_minor`)
@Check('ck_ledger_balances_max', `max_balance_minor IS NULL OR balance_minor <= max_balance_minor`)
@Check('ck_ledger_balances_shard', `shard >= 0`)
@Check('ck_ledger_balances_seq', `seq >= 0`)
export class LedgerBalance {
  @PrimaryColumn({ type: 'bigint', name: 'account_id' })
  accountId: string;

  @PrimaryColumn({ type: 'smallint' })
  shard: number;

  @ManyToOne(() => LedgerAccount, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'fk_ledger_balances_account' })
  account?: LedgerAccount;

  /** Copied from the account so postings take their currency from the row they lock. */
  @Column({ type: 'text' })
  currency: Currency;

  @BigIntColumn({ name: 'balance_minor', default: 0 })
  balanceMinor: bigint;

  /** Number of postings applied; each posting records its position in this sequence. */
  @BigIntColumn({ default: 0 })
  seq: bigint;

  /** 0 for customer available and reserved; null (unbounded) for platform accounts. */
  @BigIntColumn({ name: 'min_balance_minor', nullable: true })
  minBalanceMinor: bigint | null;

  /** 0 for customer arrears (the customer owes, never is owed, there). */
  @BigIntColumn({ name: 'max_balance_minor', nullable: true })
  maxBalanceMinor: bigint | null;
}
