import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Currency } from '../../common/money/units.js';

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
    const rows: { currency: Currency; kind: 'platform' | 'customer'; account: string; accounts: string; balance: string }[] = await manager.query(
      `SELECT a.currency, CASE WHEN a.customer_id IS NULL THEN 'platform' ELSE 'customer' END AS kind, a.name AS account,
              count(*) FILTER (WHERE b.shard = 0) AS accounts, sum(b.balance_minor)::text AS balance
         FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id
        GROUP BY a.currency, kind, a.name
        ORDER BY a.currency, kind DESC, a.name`,
    );
    return rows.map((r) => ({ currency: r.currency, kind: r.kind, account: r.account, accounts: Number(r.accounts), balance: BigInt(r.balance) }));
  }

  /**
   * Postings of the entries of the given types summed per type, currency and account (customer
   * buckets summed over customers), with how many distinct accounts took part.
   */
  async flowsByEntryType(types: string[], manager: EntityManager = this.dataSource.manager): Promise<EntryTypeFlowRow[]> {
    const rows: { type: string; currency: Currency; kind: 'platform' | 'customer'; account: string; accounts: string; amount: string }[] = await manager.query(
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
    return rows.map((r) => ({ type: r.type, currency: r.currency, kind: r.kind, account: r.account, accounts: Number(r.accounts), amount: BigInt(r.amount) }));
  }

  /** Balance rows whose balance or sequence differs from what their postings add up to. */
  async balanceDrift(limit: number, manager: EntityManager = this.dataSource.manager): Promise<DriftRow[]> {
    const rows: { account_id: string; shard: number; balance_minor: string; postings_sum: string; seq: string; postings: string }[] = await manager.query(
      `SELECT b.account_id, b.shard, b.balance_minor, coalesce(p.total, 0)::text AS postings_sum, b.seq, coalesce(p.n, 0) AS postings
         FROM ledger_balances b
         LEFT JOIN (SELECT account_id, shard, sum(amount_minor) AS total, count(*) AS n, max(account_seq) AS max_seq
                      FROM ledger_postings GROUP BY account_id, shard) p
           ON p.account_id = b.account_id AND p.shard = b.shard
        WHERE b.balance_minor <> coalesce(p.total, 0) OR b.seq <> coalesce(p.n, 0) OR b.seq <> coalesce(p.max_seq, 0)
        ORDER BY b.account_id, b.shard
        LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      accountId: r.account_id,
      shard: Number(r.shard),
      balance: BigInt(r.balance_minor),
      postingsSum: BigInt(r.postings_sum),
      seq: BigInt(r.seq),
      postings: BigInt(r.postings),
    }));
  }

  /** Postings whose balance-after is not the running sum of their account shard's chain. */
  async chainBreaks(limit: number, manager: EntityManager = this.dataSource.manager): Promise<ChainBreakRow[]> {
    const rows: { account_id: string; shard: number; account_seq: string; balance_after_minor: string; running: string }[] = await manager.query(
      `SELECT account_id, shard, account_seq, balance_after_minor, running::text
         FROM (SELECT account_id, shard, account_seq, balance_after_minor,
                      sum(amount_minor) OVER (PARTITION BY account_id, shard ORDER BY account_seq) AS running
                 FROM ledger_postings) chain
        WHERE balance_after_minor <> running
        ORDER BY account_id, shard, account_seq
        LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      accountId: r.account_id,
      shard: Number(r.shard),
      accountSeq: r.account_seq,
      balanceAfter: BigInt(r.balance_after_minor),
      runningSum: BigInt(r.running),
    }));
  }

  /** Entries whose postings do not sum to zero in some currency. */
  async unbalancedEntries(limit: number, manager: EntityManager = this.dataSource.manager): Promise<UnbalancedEntryRow[]> {
    const rows: { entry_id: string; currency: string; total: string }[] = await manager.query(
      `SELECT entry_id, currency, sum(amount_minor)::text AS total
         FROM ledger_postings GROUP BY entry_id, currency HAVING sum(amount_minor) <> 0
        ORDER BY entry_id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ entryId: r.entry_id, currency: r.currency, sum: BigInt(r.total) }));
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
