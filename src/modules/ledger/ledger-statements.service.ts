import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import { formatAmount, type Currency } from '../../common/money/units.js';
import { decodeCursor, encodeCursor, type Page } from '../../common/pagination/cursor.js';
import { TransactionRunner } from '../../database/transaction.js';
import { BUCKETS_BY_CURRENCY, CURRENCIES_WITH_BUCKETS, type CustomerBucket } from './ledger.accounts.js';
import { LedgerInvariantError } from './ledger.errors.js';
import { LedgerStatementsRepository } from './ledger-statements.repository.js';

export interface LedgerLineView {
  entryId: string;
  postedAt: string;
  type: string;
  reference: string | null;
  currency: Currency;
  account: string;
  amount: string;
  balanceAfter: string;
}

export interface StatementMovement {
  postedAt: string;
  entryId: string;
  type: string;
  reference: string | null;
  amount: string;
  /** Running balance of the account after this movement. */
  balance: string;
}

export interface StatementAccount {
  currency: Currency;
  account: CustomerBucket;
  opening: string;
  credits: string;
  debits: string;
  closing: string;
  movements: StatementMovement[];
}

export interface Statement {
  customerId: string;
  month: string;
  periodStart: string;
  periodEnd: string;
  accounts: StatementAccount[];
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
/** posted_at as Postgres prints a timestamptz (the cursor carries it verbatim, microseconds included). */
const PG_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

/** What customers read of their money: ledger pages and monthly statements. */
@Injectable()
export class LedgerStatementsService {
  constructor(
    private readonly repository: LedgerStatementsRepository,
    private readonly transactions: TransactionRunner,
  ) {}

  /** The customer's postings, newest first, cursor-paginated. */
  async listPostings(
    customerId: string,
    query: { currency?: Currency; account?: CustomerBucket; cursor?: string; limit: number },
  ): Promise<Page<LedgerLineView>> {
    const key = decodeCursor(query.cursor, 3);
    const before = key ? ([String(key[0]), String(key[1]), Number(key[2])] as [string, string, number]) : undefined;
    if (before && (!PG_TIMESTAMPTZ.test(before[0]) || !/^\d{1,19}$/.test(before[1]) || !Number.isInteger(before[2]))) {
      throw new ValidationFailedError('cursor', 'is not a valid cursor');
    }
    const rows = await this.transactions.run((m) =>
      this.repository.findCustomerPostings({ customerId, currency: query.currency, bucket: query.account, before, limit: query.limit + 1 }, m),
    );
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({
        entryId: r.entryId,
        postedAt: r.postedAt.toISOString(),
        type: r.type,
        reference: r.reference,
        currency: r.currency,
        account: r.bucket,
        amount: formatAmount(r.currency, r.amount),
        balanceAfter: formatAmount(r.currency, r.balanceAfter),
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor([last.postedAtKey, last.entryId, last.lineNo]) : null,
    };
  }

  /**
   * The statement of a UTC month: per account, the opening balance, every movement with the
   * running balance, and the closing balance. Read in one snapshot; opening + movements must
   * equal the closing balance summed independently, or it refuses to answer.
   */
  async statement(customerId: string, month: string): Promise<Statement> {
    const match = MONTH.exec(month);
    if (!match) throw new ValidationFailedError('month', 'must be a month as YYYY-MM');
    const year = Number(match[1]);
    const monthIndex = Number(match[2]) - 1;
    const from = new Date(Date.UTC(year, monthIndex, 1));
    const to = new Date(Date.UTC(year, monthIndex + 1, 1));
    const { accounts, movements } = await this.transactions.run(
      async (m) => ({
        accounts: await this.repository.findStatementAccounts(customerId, from, to, m),
        movements: await this.repository.findStatementMovements(customerId, from, to, m),
      }),
      undefined,
      { isolation: 'REPEATABLE READ' },
    );
    const result: StatementAccount[] = [];
    for (const currency of CURRENCIES_WITH_BUCKETS.slice().sort()) {
      for (const bucket of BUCKETS_BY_CURRENCY[currency]) {
        const account = accounts.find((a) => a.currency === currency && a.bucket === bucket);
        const own = account ? movements.filter((mv) => mv.accountId === account.accountId) : [];
        let running = account?.opening ?? 0n;
        let credits = 0n;
        let debits = 0n;
        const lines = own.map((mv) => {
          running += mv.amount;
          if (mv.amount > 0n) credits += mv.amount;
          else debits -= mv.amount;
          return {
            postedAt: mv.postedAt.toISOString(),
            entryId: mv.entryId,
            type: mv.type,
            reference: mv.reference,
            amount: formatAmount(currency, mv.amount),
            balance: formatAmount(currency, running),
          };
        });
        const closing = account?.closing ?? 0n;
        if (running !== closing) {
          throw new LedgerInvariantError(`statement ${month} of ${customerId}: ${currency} ${bucket} opening + movements != closing`);
        }
        result.push({
          currency,
          account: bucket,
          opening: formatAmount(currency, account?.opening ?? 0n),
          credits: formatAmount(currency, credits),
          debits: formatAmount(currency, debits),
          closing: formatAmount(currency, closing),
          movements: lines,
        });
      }
    }
    return { customerId, month, periodStart: from.toISOString(), periodEnd: to.toISOString(), accounts: result };
  }

  /** The statement as CSV: per account an opening row, the movements, a closing row. */
  toCsv(statement: Statement): string {
    const rows: (string | null)[][] = [];
    for (const account of statement.accounts) {
      rows.push([account.currency, account.account, statement.periodStart, '', 'opening_balance', '', '', account.opening]);
      for (const mv of account.movements) {
        rows.push([account.currency, account.account, mv.postedAt, mv.entryId, mv.type, spreadsheetSafe(mv.reference), mv.amount, mv.balance]);
      }
      rows.push([account.currency, account.account, statement.periodEnd, '', 'closing_balance', '', '', account.closing]);
    }
    return stringify(rows, { header: true, columns: ['currency', 'account', 'posted_at', 'entry_id', 'type', 'reference', 'amount', 'balance'] });
  }
}

/** A reference typed by staff must not run as a formula when the CSV opens in a spreadsheet. */
function spreadsheetSafe(text: string | null): string | null {
  return text !== null && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
