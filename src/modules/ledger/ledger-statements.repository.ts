import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Currency } from '../../common/money/units.js';
import { columnsOf, field, mapJoined, mapRows, resultRows, rowShape } from '../../database/data-access.js';
import { LedgerAccount } from './entities/ledger-account.entity.js';
import { LedgerEntry } from './entities/ledger-entry.entity.js';
import { LedgerPosting } from './entities/ledger-posting.entity.js';

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

const POSTED_AT_KEY = rowShape({ postedAtKey: field.as<string>() });
const OPENING_CLOSING = rowShape({ opening: field.bigint, closing: field.bigint });

/** Customer-facing reads of the journal: ledger pages and monthly statements. */
@Injectable()
export class LedgerStatementsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Newest first across the customer's accounts, keyset on (posted_at, entry, line). */
  async findCustomerPostings(filter: PostingPageFilter, manager: EntityManager = this.dataSource.manager): Promise<CustomerPostingRow[]> {
    const raw = resultRows<Record<string, unknown>>(
      await manager.query(
        `SELECT ${columnsOf(manager, LedgerPosting, 'p', ['entryId', 'lineNo', 'postedAt', 'currency', 'amountMinor', 'balanceAfterMinor'])},
              p.posted_at::text AS "postedAtKey", ${columnsOf(manager, LedgerEntry, 'e', ['type', 'reference'])}, ${columnsOf(manager, LedgerAccount, 'a', ['name'])}
         FROM ledger_accounts a
         JOIN ledger_postings p ON p.account_id = a.id
         JOIN ledger_entries e ON e.id = p.entry_id
        WHERE a.customer_id = $1
          AND ($2::text IS NULL OR a.currency = $2)
          AND ($3::text IS NULL OR a.name = $3)
          AND ($4::timestamptz IS NULL OR (p.posted_at, p.entry_id, p.line_no) < ($4::timestamptz, $5::bigint, $6::smallint))
        ORDER BY p.posted_at DESC, p.entry_id DESC, p.line_no DESC
        LIMIT $7`,
        [
          filter.customerId,
          filter.currency ?? null,
          filter.bucket ?? null,
          filter.before?.[0] ?? null,
          filter.before?.[1] ?? null,
          filter.before?.[2] ?? null,
          filter.limit,
        ],
      ),
    );
    const keys = POSTED_AT_KEY.map(raw);
    return mapJoined(manager, [LedgerPosting, LedgerEntry, LedgerAccount], raw).map(([p, e, a], i) => ({
      entryId: p.entryId,
      lineNo: p.lineNo,
      postedAtKey: keys[i].postedAtKey,
      postedAt: p.postedAt,
      type: e.type,
      reference: e.reference,
      currency: p.currency,
      bucket: a.name,
      amount: p.amountMinor,
      balanceAfter: p.balanceAfterMinor,
    }));
  }

  /**
   * Opening (everything before `from`) and closing (everything before `to`) per account,
   * each summed from postings on its own; run inside one snapshot with the movements.
   */
  async findStatementAccounts(customerId: string, from: Date, to: Date, manager: EntityManager = this.dataSource.manager): Promise<StatementAccountRow[]> {
    const raw = resultRows<Record<string, unknown>>(
      await manager.query(
        `SELECT ${columnsOf(manager, LedgerAccount, 'a', ['id', 'currency', 'name'])},
              coalesce(sum(p.amount_minor) FILTER (WHERE p.posted_at < $2), 0)::text AS opening,
              coalesce(sum(p.amount_minor) FILTER (WHERE p.posted_at < $3), 0)::text AS closing
         FROM ledger_accounts a
         LEFT JOIN ledger_postings p ON p.account_id = a.id AND p.posted_at < $3
        WHERE a.customer_id = $1
        GROUP BY a.id, a.currency, a.name`,
        [customerId, from, to],
      ),
    );
    const sums = OPENING_CLOSING.map(raw);
    return mapRows(manager, LedgerAccount, raw).map((a, i) => ({ accountId: a.id, currency: a.currency, bucket: a.name, ...sums[i] }));
  }

  /** Movements in [from, to), per account in the order they were applied. */
  async findStatementMovements(customerId: string, from: Date, to: Date, manager: EntityManager = this.dataSource.manager): Promise<StatementMovementRow[]> {
    const raw = resultRows<Record<string, unknown>>(
      await manager.query(
        `SELECT ${columnsOf(manager, LedgerPosting, 'p', ['accountId', 'entryId', 'postedAt', 'amountMinor'])}, ${columnsOf(manager, LedgerEntry, 'e', ['type', 'reference'])}
           FROM ledger_accounts a
           JOIN ledger_postings p ON p.account_id = a.id
           JOIN ledger_entries e ON e.id = p.entry_id
          WHERE a.customer_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3
          ORDER BY p.account_id, p.posted_at, p.account_seq`,
        [customerId, from, to],
      ),
    );
    return mapJoined(manager, [LedgerPosting, LedgerEntry], raw).map(([p, e]) => ({
      accountId: p.accountId,
      entryId: p.entryId,
      postedAt: p.postedAt,
      type: e.type,
      reference: e.reference,
      amount: p.amountMinor,
    }));
  }
}
