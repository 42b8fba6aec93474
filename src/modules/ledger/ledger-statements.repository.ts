import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Currency } from '../../common/money/units.js';

export interface CustomerPostingRow {
  entryId: string;
  lineNo: number;
  /** Exact posted_at as Postgres text, for keyset cursors. */
  postedAtKey: string;
  postedAt: Date;
  type: string;
  reference: string | null;
  currency: Currency;
  bucket: string;
  amount: bigint;
  balanceAfter: bigint;
}

export interface PostingPageFilter {
  customerId: string;
  currency?: Currency;
  bucket?: string;
  /** Rows strictly older than this (posted_at text, entry id, line number). */
  before?: [string, string, number];
  limit: number;
}

export interface StatementAccountRow {
  accountId: string;
  currency: Currency;
  bucket: string;
  opening: bigint;
  closing: bigint;
}

export interface StatementMovementRow {
  accountId: string;
  entryId: string;
  postedAt: Date;
  type: string;
  reference: string | null;
  amount: bigint;
}

interface RawPosting {
  entry_id: string;
  line_no: number;
  posted_at_key: string;
  posted_at: Date;
  type: string;
  reference: string | null;
  currency: Currency;
  bucket: string;
  amount_minor: string;
  balance_after_minor: string;
}

/** Customer-facing reads of the journal: ledger pages and monthly statements. */
@Injectable()
export class LedgerStatementsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Newest first across the customer's accounts, keyset on (posted_at, entry, line). */
  async findCustomerPostings(filter: PostingPageFilter, manager: EntityManager = this.dataSource.manager): Promise<CustomerPostingRow[]> {
    const rows: RawPosting[] = await manager.query(
      `SELECT p.entry_id, p.line_no, p.posted_at::text AS posted_at_key, p.posted_at, e.type, e.reference,
              p.currency, a.name AS bucket, p.amount_minor, p.balance_after_minor
         FROM ledger_accounts a
         JOIN ledger_postings p ON p.account_id = a.id
         JOIN ledger_entries e ON e.id = p.entry_id
        WHERE a.customer_id = $1
          AND ($2::text IS NULL OR a.currency = $2)
          AND ($3::text IS NULL OR a.name = $3)
          AND ($4::timestamptz IS NULL OR (p.posted_at, p.entry_id, p.line_no) < ($4::timestamptz, $5::bigint, $6::smallint))
        ORDER BY p.posted_at DESC, p.entry_id DESC, p.line_no DESC
        LIMIT $7`,
      [filter.customerId, filter.currency ?? null, filter.bucket ?? null, filter.before?.[0] ?? null, filter.before?.[1] ?? null, filter.before?.[2] ?? null, filter.limit],
    );
    return rows.map((r) => ({
      entryId: r.entry_id,
      lineNo: Number(r.line_no),
      postedAtKey: r.posted_at_key,
      postedAt: r.posted_at,
      type: r.type,
      reference: r.reference,
      currency: r.currency,
      bucket: r.bucket,
      amount: BigInt(r.amount_minor),
      balanceAfter: BigInt(r.balance_after_minor),
    }));
  }

  /**
   * Opening (everything before `from`) and closing (everything before `to`) per account,
   * each summed from postings on its own; run inside one snapshot with the movements.
   */
  async findStatementAccounts(customerId: string, from: Date, to: Date, manager: EntityManager = this.dataSource.manager): Promise<StatementAccountRow[]> {
    const rows: { account_id: string; currency: Currency; name: string; opening: string; closing: string }[] = await manager.query(
      `SELECT a.id AS account_id, a.currency, a.name,
              coalesce(sum(p.amount_minor) FILTER (WHERE p.posted_at < $2), 0)::text AS opening,
              coalesce(sum(p.amount_minor) FILTER (WHERE p.posted_at < $3), 0)::text AS closing
         FROM ledger_accounts a
         LEFT JOIN ledger_postings p ON p.account_id = a.id AND p.posted_at < $3
        WHERE a.customer_id = $1
        GROUP BY a.id, a.currency, a.name`,
      [customerId, from, to],
    );
    return rows.map((r) => ({ accountId: r.account_id, currency: r.currency, bucket: r.name, opening: BigInt(r.opening), closing: BigInt(r.closing) }));
  }

  /** Movements in [from, to), per account in the order they were applied. */
  async findStatementMovements(customerId: string, from: Date, to: Date, manager: EntityManager = this.dataSource.manager): Promise<StatementMovementRow[]> {
    const rows: { account_id: string; entry_id: string; posted_at: Date; type: string; reference: string | null; amount_minor: string }[] =
      await manager.query(
        `SELECT p.account_id, p.entry_id, p.posted_at, e.type, e.reference, p.amount_minor
           FROM ledger_accounts a
           JOIN ledger_postings p ON p.account_id = a.id
           JOIN ledger_entries e ON e.id = p.entry_id
          WHERE a.customer_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3
          ORDER BY p.account_id, p.posted_at, p.account_seq`,
        [customerId, from, to],
      );
    return rows.map((r) => ({
      accountId: r.account_id,
      entryId: r.entry_id,
      postedAt: r.posted_at,
      type: r.type,
      reference: r.reference,
      amount: BigInt(r.amount_minor),
    }));
  }
}
