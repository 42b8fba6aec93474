import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { fund, uniqueKey } from './ledger-support.js';

const run = promisify(execFile);

async function ledgerCheck(databaseUrl: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['dist/src/cli/ledger-check.js'], { env: { ...process.env, DATABASE_URL: databaseUrl, NODE_OPTIONS: '' } });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('trial balance and the ledger:check command', () => {
  let t: TestApp;
  let finance: TestUser;
  let customer: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    finance = await createUser(t, 'finance');
    customer = await createUser(t, 'customer');
    await fund(t, customer.id, 'USD', 12_500_000n);
    await fund(t, customer.id, 'BTC', 1_000n);
    await t.app.get(LedgerService).reserve({ customerId: customer.id, currency: 'BTC', amount: 400n, idempotencyKey: uniqueKey('hold'), actor: SYSTEM_ACTOR });
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /v1/ledger/trial-balance lists every account per currency and totals zero', async () => {
    const res = await t.http.get('/v1/ledger/trial-balance', { token: finance.token });
    expect(res.status).toBe(200);
    const usd = res.body.currencies.find((c: any) => c.currency === 'USD');
    expect(usd.total).toBe('0.000000');
    expect(usd.balanced).toBe(true);
    expect(usd.lines).toEqual(
      expect.arrayContaining([
        { kind: 'platform', account: 'customer_deposits', accounts: 1, balance: '-12.500000' },
        { kind: 'platform', account: 'sales_revenue', accounts: 1, balance: '0.000000' },
        { kind: 'customer', account: 'available', accounts: 1, balance: '12.500000' },
      ]),
    );
    const btc = res.body.currencies.find((c: any) => c.currency === 'BTC');
    expect(btc.lines).toEqual(expect.arrayContaining([{ kind: 'customer', account: 'reserved', accounts: 1, balance: '0.00000400' }]));
    expect(btc.total).toBe('0.00000000');
  });

  it('is for finance and admins only', async () => {
    expect((await t.http.get('/v1/ledger/trial-balance', { token: customer.token })).status).toBe(403);
    expect((await t.http.get('/v1/ledger/trial-balance', { token: (await createUser(t, 'operator')).token })).status).toBe(403);
    expect((await t.http.get('/v1/ledger/trial-balance', { token: (await createUser(t, 'admin')).token })).status).toBe(200);
  });

  it('exits 0 on a consistent ledger and 1, naming the account, once a balance drifts', async () => {
    const ok = await ledgerCheck(t.config.DATABASE_URL);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ledger check: ok \(\d+ accounts, currencies BTC, USD/);

    // Drift can only be made by switching the guard off, as a superuser could.
    const { rows } = await t.db.query(`SELECT id FROM ledger_accounts WHERE customer_id = $1 AND currency = 'USD' AND name = 'available'`, [customer.id]);
    await t.db.query(`ALTER TABLE ledger_balances DISABLE TRIGGER ledger_balances_guard`);
    await t.db.query(`UPDATE ledger_balances SET balance_minor = balance_minor + 1 WHERE account_id = $1`, [rows[0].id]);
    await t.db.query(`ALTER TABLE ledger_balances ENABLE TRIGGER ledger_balances_guard`);

    const drift = await ledgerCheck(t.config.DATABASE_URL);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain('ledger check: DRIFT');
    expect(drift.stdout).toContain(`account ${rows[0].id} shard 0: balance 12500001 but postings sum to 12500000`);
    expect(drift.stdout).toContain('USD balances sum to 1, not zero');
  });

  it('also finds postings written around the balance trigger: a broken chain and a stale balance', async () => {
    const { rows } = await t.db.query(
      `SELECT (SELECT id FROM ledger_accounts WHERE customer_id = $1 AND currency = 'BTC' AND name = 'available') AS customer,
              (SELECT id FROM ledger_accounts WHERE customer_id IS NULL AND currency = 'BTC' AND name = 'adjustments') AS platform`,
      [customer.id],
    );
    const client = await t.db.connect();
    try {
      await client.query('BEGIN');
      await client.query(`ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_apply`);
      const entry = await client.query(
        `INSERT INTO ledger_entries (type, idempotency_key, actor_role, request_hash, posted_at) VALUES ('raw', 'around-trigger', 'system', 'x', now()) RETURNING id`,
      );
      await client.query(
        `INSERT INTO ledger_postings (account_id, shard, account_seq, entry_id, line_no, currency, amount_minor, balance_after_minor, posted_at)
         VALUES ($1, 0, 99, $3, 1, 'BTC', 5, 123, now()), ($2, 0, 99, $3, 2, 'BTC', -5, -5, now())`,
        [rows[0].customer, rows[0].platform, entry.rows[0].id],
      );
      await client.query('SET CONSTRAINTS ALL IMMEDIATE');
      await client.query(`ALTER TABLE ledger_postings ENABLE TRIGGER ledger_postings_apply`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
    const result = await ledgerCheck(t.config.DATABASE_URL);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`account ${rows[0].customer} shard 0: balance 600 but postings sum to 605`);
    expect(result.stdout).toContain(`account ${rows[0].customer} shard 0 posting 99: balance after 123 but running sum 605`);
  });
});
