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
        await client.query(`INSERT INTO ledger_postings (entry_id, line_no, account_id, shard, amount_minor, posted_at) VALUES ($1, 1, $2, 0, 5, now())`, [id, platformUsdId]);
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
    await expect(t.db.query(`INSERT INTO ledger_balances (account_id, shard, currency, balance_minor) VALUES ($1, 1, 'USD', 100)`, [rows[0].id])).rejects.toThrow(
      'ledger_balances rows start at zero',
    );
    const staff = await createUser(t, 'finance');
    await expect(t.db.query(`INSERT INTO ledger_accounts (customer_id, name, currency) VALUES ($1, 'available', 'USD')`, [staff.id])).rejects.toMatchObject({
      code: 'HM404',
    });
  });

  it('refuses a second entry with the same idempotency key', async () => {
    await expect(t.db.query(`INSERT INTO ledger_entries (type, idempotency_key, actor_role, request_hash, posted_at) VALUES ('raw', 'balanced-raw', 'system', 'y', now())`)).rejects.toMatchObject({
      code: '23505',
    });
  });
});
