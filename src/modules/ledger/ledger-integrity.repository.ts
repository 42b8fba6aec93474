import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Currency } from '../../common/money/units.js';
import { columnsOf, field, mapRows, queryRows, resultRows, rowShape } from '../../database/data-access.js';
import { LedgerBalance } from './entities/ledger-balance.entity.js';
import { LedgerPosting } from './entities/ledger-posting.entity.js';

export interface TrialBalanceRow {
  currency: Currency;
  kind: 'platform' | 'customer';
  account: string;
  accounts: number;
  balance: bigint;
}

export interface EntryTypeFlowRow {
  type: string;
  currency: Currency;
  kind: 'platform' | 'customer';
  account: string;
  accounts: number;
  amount: bigint;
}

export interface DriftRow {
  accountId: string;
  shard: number;
  balance: bigint;
  postingsSum: bigint;
  seq: bigint;
  postings: bigint;
}

export interface ChainBreakRow {
  accountId: string;
  shard: number;
  accountSeq: string;
  balanceAfter: bigint;
  runningSum: bigint;
}

export interface UnbalancedEntryRow {
  entryId: string;
  currency: string;
  sum: bigint;
}

const kind = field.as<'platform' | 'customer'>();
const TRIAL_BALANCE = rowShape({ currency: field.as<Currency>(), kind, account: field.as<string>(), accounts: field.count, balance: field.bigint });
const FLOW = rowShape({
  type: field.as<string>(),
  currency: field.as<Currency>(),
  kind,
  account: field.as<string>(),
  accounts: field.count,
  amount: field.bigint,
});
const DRIFT_SUMS = rowShape({ postingsSum: field.bigint, postings: field.bigint });
const RUNNING = rowShape({ runningSum: field.bigint });
const UNBALANCED = rowShape({ entryId: field.as<string>(), currency: field.as<string>(), sum: field.bigint });

/**
 * Read-only, whole-ledger queries for finance and for the check command (which builds it
 * without Nest, from its own DataSource); the service reads them inside one snapshot.
 */
@Injectable()
export class LedgerIntegrityRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One REPEATABLE READ, read-only transaction: every figure of a report sees the same ledger. */
  snapshot<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      return work(manager);
    });
  }

  /** Every balance grouped by currency and account (platform accounts one by one, customers per bucket). */
  async trialBalance(manager: EntityManager = this.dataSource.manager): Promise<TrialBalanceRow[]> {
    return queryRows(
      manager,
      TRIAL_BALANCE,
      `SELECT a.currency, CASE WHEN a.customer_id IS NULL THEN 'platform' ELSE 'customer' END AS kind, a.name AS account,
              count(*) FILTER (WHERE b.shard = 0) AS accounts, sum(b.balance_minor)::text AS balance
         FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id
        GROUP BY a.currency, kind, a.name
        ORDER BY a.currency, kind DESC, a.name`,
    );
  }

  /**
   * Postings of the entries of the given types summed per type, currency and account (customer
   * buckets summed over customers), with how many distinct accounts took part.
   */
  async flowsByEntryType(types: string[], manager: EntityManager = this.dataSource.manager): Promise<EntryTypeFlowRow[]> {
    return queryRows(
      manager,
      FLOW,
      `SELECT e.type, a.currency, CASE WHEN a.customer_id IS NULL THEN 'platform' ELSE 'customer' END AS kind, a.name AS account,
              count(DISTINCT a.id) AS accounts, sum(p.amount_minor)::text AS amount
         FROM ledger_entries e
         JOIN ledger_postings p ON p.entry_id = e.id
         JOIN ledger_accounts a ON a.id = p.account_id
        WHERE e.type = ANY($1::text[])
        GROUP BY e.type, a.currency, kind, a.name
        ORDER BY e.type, a.currency, kind DESC, a.name`,
      [types],
    );
  }

  /** Balance rows whose balance or sequence differs from what their postings add up to. */
  async balanceDrift(limit: number, manager: EntityManager = this.dataSource.manager): Promise<DriftRow[]> {
    const raw = resultRows<Record<string, unknown>>(
      await manager.query(
        `SELECT ${columnsOf(manager, LedgerBalance, 'b', ['accountId', 'shard', 'balanceMinor', 'seq'])},
              coalesce(p.total, 0)::text AS "postingsSum", coalesce(p.n, 0) AS postings
         FROM ledger_balances b
         LEFT JOIN (SELECT account_id, shard, sum(amount_minor) AS total, count(*) AS n, max(account_seq) AS max_seq
                      FROM ledger_postings GROUP BY account_id, shard) p
           ON p.account_id = b.account_id AND p.shard = b.shard
        WHERE b.balance_minor <> coalesce(p.total, 0) OR b.seq <> coalesce(p.n, 0) OR b.seq <> coalesce(p.max_seq, 0)
        ORDER BY b.account_id, b.shard
        LIMIT $1`,
        [limit],
      ),
    );
    const sums = DRIFT_SUMS.map(raw);
    return mapRows(manager, LedgerBalance, raw).map((b, i) => ({ accountId: b.accountId, shard: b.shard, balance: b.balanceMinor, seq: b.seq, ...sums[i] }));
  }

  /** Postings whose balance-after is not the running sum of their account shard's chain. */
  async chainBreaks(limit: number, manager: EntityManager = this.dataSource.manager): Promise<ChainBreakRow[]> {
    const raw = resultRows<Record<string, unknown>>(
      await manager.query(
        `SELECT ${columnsOf(manager, LedgerPosting, undefined, ['accountId', 'shard', 'accountSeq', 'balanceAfterMinor'])}, running::text AS "runningSum"
         FROM (SELECT account_id, shard, account_seq, balance_after_minor,
                      sum(amount_minor) OVER (PARTITION BY account_id, shard ORDER BY account_seq) AS running
                 FROM ledger_postings) chain
        WHERE balance_after_minor <> running
        ORDER BY account_id, shard, account_seq
        LIMIT $1`,
        [limit],
      ),
    );
    const running = RUNNING.map(raw);
    return mapRows(manager, LedgerPosting, raw).map((p, i) => ({
      accountId: p.accountId,
      shard: p.shard,
      accountSeq: p.accountSeq,
      balanceAfter: p.balanceAfterMinor,
      runningSum: running[i].runningSum,
    }));
  }

  /** Entries whose postings do not sum to zero in some currency. */
  async unbalancedEntries(limit: number, manager: EntityManager = this.dataSource.manager): Promise<UnbalancedEntryRow[]> {
    return queryRows(
      manager,
      UNBALANCED,
      `SELECT entry_id AS "entryId", currency, sum(amount_minor)::text AS "sum"
         FROM ledger_postings GROUP BY entry_id, currency HAVING sum(amount_minor) <> 0
        ORDER BY entry_id LIMIT $1`,
      [limit],
    );
  }

  /** Entries without postings, and postings whose currency is not their account's. */
  async malformed(limit: number, manager: EntityManager = this.dataSource.manager): Promise<{ emptyEntries: string[]; currencyMismatches: string[] }> {
    const empty: { id: string }[] = await manager.query(
      `SELECT e.id FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM ledger_postings p WHERE p.entry_id = e.id) ORDER BY e.id LIMIT $1`,
      [limit],
    );
    const mismatched: { entry_id: string }[] = await manager.query(
      `SELECT p.entry_id FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE p.currency <> a.currency ORDER BY p.entry_id LIMIT $1`,
      [limit],
    );
    return { emptyEntries: empty.map((r) => r.id), currencyMismatches: mismatched.map((r) => r.entry_id) };
  }
}
