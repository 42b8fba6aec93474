import type pg from 'pg';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { fund } from './ledger-support.js';

/** The database itself refuses what would break the ledger, whoever sends the SQL. */
describe('ledger invariants enforced by the database', () => {
  let t: TestApp;
  let customer: TestUser;
  let platformUsdId: string;

  beforeAll(async () => {
    t = await startTestApp();
    customer = await createUser(t, 'customer');
    await fund(t, customer.id, 'USD', 10_000_000n);
    const { rows } = await t.db.query(`SELECT id FROM ledger_accounts WHERE customer_id IS NULL AND name = 'adjustments' AND currency = 'USD'`);
    platformUsdId = rows[0].id;
  });
  afterAll(async () => {
    await t.close();
  });

  async function inTransaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await t.db.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async function rawEntry(client: pg.PoolClient, key: string): Promise<string> {
    const { rows } = await client.query(
      `INSERT INTO ledger_entries (type, idempotency_key, actor_role, request_hash, posted_at) VALUES ('raw', $1, 'system', 'x', now()) RETURNING id`,
      [key],
    );
    return rows[0].id;
  }

  it('refuses to commit an entry whose postings do not sum to zero', async () => {
    await expect(
      inTransaction(async (client) => {
        const id = await rawEntry(client, 'unbalanced-1');
        await client.query(`INSERT INTO ledger_postings (entry_id, line_no, account_id, shard, amount_minor, posted_at) VALUES ($1, 1, $2, 0, 5, now())`, [
          id,
          platformUsdId,
        ]);
      }),
    ).rejects.toMatchObject({ code: 'HM400', message: expect.stringContaining('is unbalanced') });
    expect((await t.db.query(`SELECT 1 FROM ledger_entries WHERE idempotency_key = 'unbalanced-1'`)).rowCount).toBe(0);
  });

  it('refuses postings that balance in sum but not per currency', async () => {
    const { rows } = await t.db.query(`SELECT id FROM ledger_accounts WHERE customer_id IS NULL AND name = 'adjustments' AND currency = 'BTC'`);
    await expect(
      inTransaction(async (client) => {
        const id = await rawEntry(client, 'cross-currency');
        await client.query(
          `INSERT INTO ledger_postings (entry_id, line_no, account_id, shard, amount_minor, posted_at) VALUES ($1, 1, $2, 0, 5, now()), ($1, 2, $3, 0, -5, now())`,
          [id, platformUsdId, rows[0].id],
        );
      }),
    ).rejects.toMatchObject({ code: 'HM400' });
  });

  it('refuses a posting added later to an entry that was balanced', async () => {
    const { rows } = await t.db.query(`SELECT entry_id FROM ledger_postings LIMIT 1`);
    await expect(
      inTransaction(async (client) => {
        await client.query(`INSERT INTO ledger_postings (entry_id, line_no, account_id, shard, amount_minor, posted_at) VALUES ($1, 99, $2, 0, 1, now())`, [
          rows[0].entry_id,
          platformUsdId,
        ]);
      }),
    ).rejects.toMatchObject({ code: 'HM400' });
  });

  it('commits a balanced raw entry and moves the balances with it', async () => {
    const { rows } = await t.db.query(`SELECT id FROM ledger_accounts WHERE customer_id = $1 AND currency = 'USD' AND name = 'available'`, [customer.id]);
    await inTransaction(async (client) => {
      const id = await rawEntry(client, 'balanced-raw');
      await client.query(
        `INSERT INTO ledger_postings (entry_id, line_no, account_id, shard, amount_minor, posted_at) VALUES ($1, 1, $2, 0, -1000, now()), ($1, 2, $3, 3, 1000, now())`,
        [id, rows[0].id, platformUsdId],
      );
    });
    const balance = await t.db.query(`SELECT balance_minor FROM ledger_balances WHERE account_id = $1`, [rows[0].id]);
    expect(balance.rows[0].balance_minor).toBe('9999000');
  });

  it('refuses a raw debit that would take a customer below zero', async () => {
    const { rows } = await t.db.query(`SELECT id FROM ledger_accounts WHERE customer_id = $1 AND currency = 'USD' AND name = 'available'`, [customer.id]);
    await expect(
      inTransaction(async (client) => {
        const id = await rawEntry(client, 'overdraw-raw');
        await client.query(
          `INSERT INTO ledger_postings (entry_id, line_no, account_id, shard, amount_minor, posted_at) VALUES ($1, 1, $2, 0, -99999999, now()), ($1, 2, $3, 0, 99999999, now())`,
          [id, rows[0].id, platformUsdId],
        );
      }),
    ).rejects.toMatchObject({ code: 'HM402' });
  });

  it.each([
    ['UPDATE ledger_postings SET amount_minor = amount_minor * 2', 'ledger_postings is append-only: UPDATE refused'],
    ['DELETE FROM ledger_postings', 'ledger_postings is append-only: DELETE refused'],
    ['TRUNCATE ledger_postings CASCADE', 'is append-only: TRUNCATE refused'],
    ["UPDATE ledger_entries SET reference = 'rewritten'", 'ledger_entries is append-only: UPDATE refused'],
    ['DELETE FROM ledger_entries', 'ledger_entries is append-only: DELETE refused'],
    ['TRUNCATE ledger_entries CASCADE', 'is append-only: TRUNCATE refused'],
    ['UPDATE ledger_balances SET balance_minor = balance_minor + 1', 'ledger_balances change only through postings'],
    ['DELETE FROM ledger_balances', 'ledger_balances is append-only: DELETE refused'],
    ["UPDATE ledger_accounts SET name = 'other'", 'ledger_accounts is append-only: UPDATE refused'],
    ['DELETE FROM ledger_accounts', 'ledger_accounts is append-only: DELETE refused'],
  ])('refuses %s', async (sql, message) => {
    const before = await t.db.query(`SELECT (SELECT count(*) FROM ledger_postings) AS p, (SELECT sum(balance_minor) FROM ledger_balances) AS b`);
    await expect(t.db.query(sql)).rejects.toThrow(message);
    const after = await t.db.query(`SELECT (SELECT count(*) FROM ledger_postings) AS p, (SELECT sum(balance_minor) FROM ledger_balances) AS b`);
    expect(after.rows).toEqual(before.rows);
  });

  it('refuses a balance row that does not start at zero, and accounts for non-customers', async () => {
    const { rows } = await t.db.query(`SELECT id FROM ledger_accounts WHERE customer_id = $1 AND currency = 'USD' AND name = 'available'`, [customer.id]);
    await expect(
      t.db.query(`INSERT INTO ledger_balances (account_id, shard, currency, balance_minor) VALUES ($1, 1, 'USD', 100)`, [rows[0].id]),
    ).rejects.toThrow('ledger_balances rows start at zero');
    const staff = await createUser(t, 'finance');
    await expect(t.db.query(`INSERT INTO ledger_accounts (customer_id, name, currency) VALUES ($1, 'available', 'USD')`, [staff.id])).rejects.toMatchObject({
      code: 'HM404',
    });
  });

  it('refuses a second entry with the same idempotency key', async () => {
    await expect(
      t.db.query(
        `INSERT INTO ledger_entries (type, idempotency_key, actor_role, request_hash, posted_at) VALUES ('raw', 'balanced-raw', 'system', 'y', now())`,
      ),
    ).rejects.toMatchObject({
      code: '23505',
    });
  });

  describe('set-based postings (hashmarket.ledger_set_based = on, as ledger_post_bulk writes them)', () => {
    /** The customer's USD available account and its balance row as it is now. */
    async function customerBalance(): Promise<{ accountId: string; balance: bigint; seq: bigint }> {
      const { rows } = await t.db.query(
        `SELECT a.id, b.balance_minor, b.seq FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id
          WHERE a.customer_id = $1 AND a.currency = 'USD' AND a.name = 'available'`,
        [customer.id],
      );
      return { accountId: rows[0].id, balance: BigInt(rows[0].balance_minor), seq: BigInt(rows[0].seq) };
    }
    async function platformShard(shard: number): Promise<{ balance: bigint; seq: bigint }> {
      const { rows } = await t.db.query(`SELECT balance_minor, seq FROM ledger_balances WHERE account_id = $1 AND shard = $2`, [platformUsdId, shard]);
      return { balance: BigInt(rows[0].balance_minor), seq: BigInt(rows[0].seq) };
    }

    /** One two-line entry customer -> adjustments shard 5, with the sequence numbers and balances-after given. */
    async function setBasedEntry(
      key: string,
      amount: bigint,
      override: { customerSeq?: bigint; customerAfter?: bigint; platformAmount?: bigint } = {},
    ): Promise<void> {
      const c = await customerBalance();
      const p = await platformShard(5);
      const platformAmount = override.platformAmount ?? amount;
      await inTransaction(async (client) => {
        const id = await rawEntry(client, key);
        await client.query(`SELECT set_config('hashmarket.ledger_set_based', 'on', true)`);
        await client.query(
          `INSERT INTO ledger_postings (account_id, shard, account_seq, entry_id, line_no, currency, amount_minor, balance_after_minor, posted_at)
           VALUES ($2, 0, $3, $1, 1, 'USD', $4, $5, now()), ($6, 5, $7, $1, 2, 'USD', $8, $9, now())`,
          [
            id,
            c.accountId,
            (override.customerSeq ?? c.seq + 1n).toString(),
            (-amount).toString(),
            (override.customerAfter ?? c.balance - amount).toString(),
            platformUsdId,
            (p.seq + 1n).toString(),
            platformAmount.toString(),
            (p.balance + platformAmount).toString(),
          ],
        );
      });
    }

    it('applies a posting that continues its balance row, moving the balance once', async () => {
      const before = await customerBalance();
      const platformBefore = await platformShard(5);
      await setBasedEntry('set-based-ok', 250n);
      const after = await customerBalance();
      expect(after.balance).toBe(before.balance - 250n);
      expect(after.seq).toBe(before.seq + 1n);
      expect((await platformShard(5)).balance).toBe(platformBefore.balance + 250n);
    });

    it('refuses a balance-after or sequence number that does not continue the balance row', async () => {
      const before = await customerBalance();
      await expect(setBasedEntry('set-based-wrong-after', 250n, { customerAfter: before.balance })).rejects.toMatchObject({ code: '42501' });
      await expect(setBasedEntry('set-based-wrong-seq', 250n, { customerSeq: before.seq + 7n })).rejects.toMatchObject({ code: '42501' });
      expect(await customerBalance()).toEqual(before);
    });

    it('refuses an overdraft (HM402) and an unbalanced entry (HM400) at once, not at commit', async () => {
      const before = await customerBalance();
      await expect(setBasedEntry('set-based-overdraft', before.balance + 1n)).rejects.toMatchObject({ code: 'HM402' });
      await expect(setBasedEntry('set-based-unbalanced', 10n, { platformAmount: 11n })).rejects.toMatchObject({ code: 'HM400' });
      expect(await customerBalance()).toEqual(before);
    });
  });
});
