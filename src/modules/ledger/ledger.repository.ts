import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { Currency } from '../../common/money/units.js';
import { columnsOf, field, mapJoined, pgClient, queryEntities, queryRows, resultRows, rowShape, type Db } from '../../database/data-access.js';
import { LedgerAccount } from './entities/ledger-account.entity.js';
import { LedgerBalance } from './entities/ledger-balance.entity.js';
import { LedgerEntry } from './entities/ledger-entry.entity.js';
import { LedgerPosting } from './entities/ledger-posting.entity.js';

export type PlatformAccountRow = Pick<LedgerAccount, 'id' | 'name' | 'currency' | 'shardCount'>;

/** A line resolved for SQL: a known account id (platform) or a customer bucket to look up. */
export interface SqlLine {
  accountId: string | null;
  shard: number;
  customerId: string | null;
  name: string;
  currency: Currency;
  amount: bigint;
}

export interface SqlEntry {
  type: string;
  idempotencyKey: string;
  reference: string | null;
  requestHash: string;
  lines: SqlLine[];
}

export interface SqlActor {
  actorId: string | null;
  actorRole: string;
}

export interface PostedRow {
  entryId: string;
  replayed: boolean;
  postedAt: Date;
  /** The account id of each line, in line order (null on a replay). */
  accountIds?: (string | null)[] | null;
}

export interface BalanceRow {
  accountId: string;
  currency: Currency;
  name: string;
  balance: bigint;
}

/** The ledger's writes and point reads. Every write goes through the SQL functions of the CreateLedger migration. */
@Injectable()
export class LedgerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private db(manager?: EntityManager): Db {
    return manager ?? this.dataSource;
  }

  /**
   * The write path talks to pg directly, on the caller's transaction connection when there is
   * one, else on a pooled connection (one autocommit statement): TypeORM's query wrapper would
   * log every refused debit or replay conflict (routine outcomes here) as a failed query with
   * all its parameters, and costs time on the hottest path of the platform.
   */
  private async exec<R extends pg.QueryResultRow>(manager: EntityManager | undefined, text: string, values: unknown[]): Promise<R[]> {
    return (await (await pgClient(this.db(manager))).query<R>({ text, values })).rows;
  }

  async findPlatformAccounts(manager?: EntityManager): Promise<PlatformAccountRow[]> {
    const db = this.db(manager);
    return queryEntities(
      db,
      LedgerAccount,
      `SELECT ${columnsOf(db, LedgerAccount, undefined, ['id', 'name', 'currency', 'shardCount'])} FROM ledger_accounts WHERE customer_id IS NULL`,
    );
  }

  /** One entry, one round trip (ledger_post): posts, replays, or raises HM409/HM402/HM404. */
  async postEntry(actor: SqlActor, entry: SqlEntry, postedAt: Date, manager?: EntityManager): Promise<PostedRow> {
    // Ids, shards and amounts are digits (or NULL): written as Postgres array literals directly,
    // which spares the driver's generic array encoding on the hottest path.
    let accountIds = '{';
    let shards = '{';
    let amounts = '{';
    let unresolved = false;
    entry.lines.forEach((line, i) => {
      const sep = i === 0 ? '' : ',';
      accountIds += sep + (line.accountId ?? 'NULL');
      shards += sep + String(line.shard);
      amounts += sep + line.amount.toString();
      if (line.accountId === null) unresolved = true;
    });
    accountIds += '}';
    shards += '}';
    amounts += '}';
    // The lookup columns are sent only when some customer account id is not known yet.
    const lookup = (pick: (line: SqlLine) => string | null) => (unresolved ? entry.lines.map(pick) : null);
    // Rows as arrays: one small row per call, no per-row object to build.
    const client = await pgClient(this.db(manager));
    // Named: parsed and planned once per connection, then only bound and run.
    const { rows } = await client.query<[string, boolean, Date | null, string[] | null]>({
      name: 'hm_ledger_post_v1',
      rowMode: 'array',
      text: `SELECT o_entry_id, o_replayed, o_posted_at, o_account_ids
               FROM ledger_post($1, $2, $3, $4, $5, $6, $7, $8::bigint[], $9::smallint[], $10::uuid[], $11::text[], $12::text[], $13::bigint[])`,
      values: [
        entry.type,
        entry.idempotencyKey,
        entry.reference,
        actor.actorId,
        actor.actorRole,
        entry.requestHash,
        postedAt.toISOString(),
        accountIds,
        shards,
        lookup((l) => l.customerId),
        lookup((l) => l.name),
        lookup((l) => l.currency),
        amounts,
      ],
    });
    const [entryId, replayed, firstPostedAt, resolvedIds] = rows[0];
    return { entryId, replayed, postedAt: firstPostedAt ?? postedAt, accountIds: resolvedIds };
  }

  /** Many entries in one call (ledger_post_bulk): a few set-based statements, whatever the count. */
  async postEntries(actor: SqlActor, entries: SqlEntry[], postedAt: Date, manager?: EntityManager): Promise<PostedRow[]> {
    const lineEntries: number[] = [];
    const lineNos: number[] = [];
    const lines: SqlLine[] = [];
    entries.forEach((entry, i) =>
      entry.lines.forEach((line, j) => {
        lineEntries.push(i + 1);
        lineNos.push(j + 1);
        lines.push(line);
      }),
    );
    const rows = await this.exec<{ o_ord: number; o_entry_id: string; o_replayed: boolean; o_account_ids: string[] | null }>(
      manager,
      `SELECT o_ord, o_entry_id, o_replayed, o_account_ids
         FROM ledger_post_bulk($1::text[], $2::text[], $3::text[], $4::text[], $5, $6, $7,
                               $8::int[], $9::smallint[], $10::bigint[], $11::smallint[], $12::uuid[], $13::text[], $14::text[], $15::bigint[])`,
      [
        entries.map((e) => e.type),
        entries.map((e) => e.idempotencyKey),
        entries.map((e) => e.reference),
        entries.map((e) => e.requestHash),
        actor.actorId,
        actor.actorRole,
        postedAt,
        lineEntries,
        lineNos,
        lines.map((x) => x.accountId),
        lines.map((x) => x.shard),
        lines.map((x) => x.customerId),
        lines.map((x) => x.name),
        lines.map((x) => x.currency),
        lines.map((x) => x.amount.toString()),
      ],
    );
    return rows.map((r) => ({ entryId: r.o_entry_id, replayed: r.o_replayed, postedAt, accountIds: r.o_account_ids }));
  }

  /** The posted_at of entries that were replayed (they keep their first time). */
  async findPostedAt(entryIds: string[], manager?: EntityManager): Promise<Map<string, Date>> {
    if (entryIds.length === 0) return new Map();
    const db = this.db(manager);
    const rows = await queryEntities(
      db,
      LedgerEntry,
      `SELECT ${columnsOf(db, LedgerEntry, undefined, ['id', 'postedAt'])} FROM ledger_entries WHERE id = ANY($1::bigint[])`,
      [entryIds],
    );
    return new Map(rows.map((r) => [r.id, r.postedAt]));
  }

  /** Opens the customer's buckets that are not open yet (each with its zero balance row). */
  async openCustomerAccounts(customerId: string, buckets: { currency: Currency; name: string }[], manager?: EntityManager): Promise<void> {
    await this.exec(manager, `SELECT ledger_customer_account_id($1, b.currency, b.name) FROM unnest($2::text[], $3::text[]) AS b(currency, name)`, [
      customerId,
      buckets.map((b) => b.currency),
      buckets.map((b) => b.name),
    ]);
  }

  async findCustomerBalances(customerId: string, manager?: EntityManager): Promise<BalanceRow[]> {
    const db = this.db(manager);
    const raw = resultRows<Record<string, unknown>>(
      await db.query(
        `SELECT ${balanceColumns(db)}
           FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id
          WHERE a.customer_id = $1`,
        [customerId],
      ),
    );
    return mapJoined(db, [LedgerAccount, LedgerBalance], raw).map(toBalanceRow);
  }

  /**
   * Locks the balance rows of many customers in one currency with one statement, in account
   * order (the order postings lock them in, so it cannot deadlock with them).
   */
  async lockManyCustomerBalances(
    customerIds: string[],
    currency: Currency,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<(BalanceRow & { customerId: string })[]> {
    const raw = resultRows<Record<string, unknown>>(
      await manager.query(
        `SELECT ${balanceColumns(manager)}, ${columnsOf(manager, LedgerAccount, 'a', ['customerId'])}
         FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id
        WHERE a.customer_id = ANY($1::uuid[]) AND a.currency = $2
        ORDER BY b.account_id, b.shard
          FOR UPDATE OF b`,
        [customerIds, currency],
      ),
    );
    // Customer accounts only (the WHERE above): customer_id is never null here.
    return mapJoined(manager, [LedgerAccount, LedgerBalance], raw).map((row) => ({ ...toBalanceRow(row), customerId: row[0].customerId as string }));
  }

  /** Entries and their postings by idempotency keys (keys never posted are absent). */
  async findEntriesByKeys(idempotencyKeys: string[], manager?: EntityManager): Promise<Map<string, EntryWithLines>> {
    if (idempotencyKeys.length === 0) return new Map();
    const db = this.db(manager);
    const rows = await queryEntryLines(
      db,
      `SELECT ${entryLineColumns(db)}
         FROM ledger_entries e
         JOIN ledger_postings p ON p.entry_id = e.id
         JOIN ledger_accounts a ON a.id = p.account_id
        WHERE e.idempotency_key = ANY($1::text[])
        ORDER BY e.idempotency_key, p.line_no`,
      [idempotencyKeys],
    );
    const entries = new Map<string, EntryWithLines>();
    for (const [e, line] of rows) {
      let entry = entries.get(e.idempotencyKey);
      if (!entry) {
        entry = { entryId: e.id, type: e.type, reference: e.reference, postedAt: e.postedAt, lines: [] };
        entries.set(e.idempotencyKey, entry);
      }
      entry.lines.push(line);
    }
    return entries;
  }

  /** A platform account's balance: the sum of its shards. */
  async platformBalance(name: string, currency: Currency, manager?: EntityManager): Promise<bigint> {
    const [row] = await queryRows(
      this.db(manager),
      PLATFORM_BALANCE,
      `SELECT sum(b.balance_minor)::text AS balance
         FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id
        WHERE a.customer_id IS NULL AND a.name = $1 AND a.currency = $2`,
      [name, currency],
    );
    return row?.balance ?? 0n;
  }

  /** An entry and its postings by idempotency key (null when never posted). */
  async findEntryByKey(idempotencyKey: string, manager?: EntityManager): Promise<EntryWithLines | null> {
    const db = this.db(manager);
    const rows = await queryEntryLines(
      db,
      `SELECT ${entryLineColumns(db)}
         FROM ledger_entries e
         JOIN ledger_postings p ON p.entry_id = e.id
         JOIN ledger_accounts a ON a.id = p.account_id
        WHERE e.idempotency_key = $1
        ORDER BY p.line_no`,
      [idempotencyKey],
    );
    if (rows.length === 0) return null;
    const [e] = rows[0];
    return { entryId: e.id, type: e.type, reference: e.reference, postedAt: e.postedAt, lines: rows.map(([, line]) => line) };
  }
}

export interface EntryWithLines {
  entryId: string;
  type: string;
  reference: string | null;
  postedAt: Date;
  lines: { customerId: string | null; name: string; currency: Currency; amount: bigint }[];
}

type EntryLine = EntryWithLines['lines'][number];

/** An entry's columns (alias e), its posting's (p) and its account's (a), for queryEntryLines. */
function entryLineColumns(db: Db): string {
  return [
    columnsOf(db, LedgerEntry, 'e', ['idempotencyKey', 'id', 'type', 'reference', 'postedAt']),
    columnsOf(db, LedgerPosting, 'p', ['lineNo', 'currency', 'amountMinor']),
    columnsOf(db, LedgerAccount, 'a', ['customerId', 'name']),
  ].join(', ');
}

/** Each row's entry and the line it holds, every side mapped from its entity. */
async function queryEntryLines(db: Db, sql: string, params: unknown[]): Promise<[LedgerEntry, EntryLine][]> {
  const raw = resultRows<Record<string, unknown>>(await db.query(sql, params));
  return mapJoined(db, [LedgerEntry, LedgerPosting, LedgerAccount], raw).map(([entry, posting, account]) => [
    entry,
    { customerId: account.customerId, name: account.name, currency: posting.currency, amount: posting.amountMinor },
  ]);
}

/** A balance row's columns: the account's currency and name (a), its balance (b). */
function balanceColumns(db: Db): string {
  return `${columnsOf(db, LedgerBalance, 'b', ['accountId', 'balanceMinor'])}, ${columnsOf(db, LedgerAccount, 'a', ['currency', 'name'])}`;
}

function toBalanceRow([account, balance]: [LedgerAccount, LedgerBalance]): BalanceRow {
  return { accountId: balance.accountId, currency: account.currency, name: account.name, balance: balance.balanceMinor };
}

const PLATFORM_BALANCE = rowShape({ balance: field.bigintOrNull });
