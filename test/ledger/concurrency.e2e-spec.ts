import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { customerAccount, platformAccount } from '../../src/modules/ledger/ledger.accounts.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import { TransactionRunner } from '../../src/database/transaction.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { balanceRow, fund, uniqueKey } from './ledger-support.js';

describe('ledger under concurrency', () => {
  let t: TestApp;
  let ledger: LedgerService;
  let transactions: TransactionRunner;

  beforeAll(async () => {
    t = await startTestApp();
    ledger = t.app.get(LedgerService);
    transactions = t.app.get(TransactionRunner);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Watches the balance row while debits race, to catch a negative balance even for an instant. */
  function watchMinimum(customerId: string): { stop: () => Promise<bigint> } {
    let minimum: bigint | null = null;
    let running = true;
    const loop = (async () => {
      while (running) {
        const balance = await balanceRow(t, customerId, 'USD');
        if (balance !== null && (minimum === null || balance < minimum)) minimum = balance;
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return minimum ?? 0n;
      },
    };
  }

  const debit = (customerId: string, i: number) => ({
    type: 'contract.purchase',
    idempotencyKey: uniqueKey(`debit-${i}`),
    actor: SYSTEM_ACTOR,
    lines: [
      { account: customerAccount(customerId, 'USD'), amount: -7_000_000n },
      { account: platformAccount('sales_revenue', 'USD'), amount: 7_000_000n },
    ],
  });

  it.each([
    ['its own statement', false],
    ["the caller's transaction", true],
  ])('50 concurrent debits against a balance covering 10 (each in %s): exactly 10 succeed, the balance ends at zero', async (_label, inTransaction) => {
    const customer = await createUser(t, 'customer');
    await fund(t, customer.id, 'USD', 70_000_000n);
    const watcher = watchMinimum(customer.id);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        inTransaction ? transactions.run((m) => ledger.post(debit(customer.id, i), m)) : ledger.post(debit(customer.id, i)),
      ),
    );
    const minimum = await watcher.stop();

    const succeeded = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(succeeded).toHaveLength(10);
    expect(failed).toHaveLength(40);
    for (const f of failed) expect(f.reason).toMatchObject({ code: 'LEDGER.INSUFFICIENT_BALANCE', kind: 'payment_required' });
    expect(await balanceRow(t, customer.id, 'USD')).toBe(0n);
    expect(minimum >= 0n).toBe(true);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n, min(p.balance_after_minor)::text AS lowest
         FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE a.customer_id = $1 AND a.currency = 'USD' AND a.name = 'available'`,
      [customer.id],
    );
    expect(rows[0]).toEqual({ n: 11, lowest: '0' });
  });

  it('the same entry posted 20 times concurrently with one key moves money once', async () => {
    const customer = await createUser(t, 'customer');
    const entry = {
      type: 'deposit',
      idempotencyKey: uniqueKey('same'),
      actor: SYSTEM_ACTOR,
      lines: [
        { account: platformAccount('customer_deposits', 'BTC'), amount: -5_000n },
        { account: customerAccount(customer.id, 'BTC'), amount: 5_000n },
      ],
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => ledger.post(entry)));
    expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await balanceRow(t, customer.id, 'BTC')).toBe(5_000n);
    await expect(
      ledger.post({
        ...entry,
        lines: [
          { ...entry.lines[0], amount: -5_001n },
          { ...entry.lines[1], amount: 5_001n },
        ],
      }),
    ).rejects.toMatchObject({
      code: 'LEDGER.IDEMPOTENCY_CONFLICT',
    });
    expect(await balanceRow(t, customer.id, 'BTC')).toBe(5_000n);
  });

  it('opposite transfers between two customers at the same time neither deadlock into an error nor lose money', async () => {
    const a = await createUser(t, 'customer');
    const b = await createUser(t, 'customer');
    await fund(t, a.id, 'USD', 1_000_000n);
    await fund(t, b.id, 'USD', 1_000_000n);
    const move = (from: string, to: string, i: number) =>
      ledger.transfer({
        type: 'transfer',
        idempotencyKey: uniqueKey(`swap-${i}`),
        actor: SYSTEM_ACTOR,
        from: customerAccount(from, 'USD'),
        to: customerAccount(to, 'USD'),
        amount: 1_000n,
      });
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? move(a.id, b.id, i) : move(b.id, a.id, i))));
    expect(await balanceRow(t, a.id, 'USD')).toBe(1_000_000n);
    expect(await balanceRow(t, b.id, 'USD')).toBe(1_000_000n);
  });

  it('a hot platform account spreads over its shards and sums exactly', async () => {
    const customer = await createUser(t, 'customer');
    await fund(t, customer.id, 'USD', 1_000_000n);
    const before = await ledger.getPlatformBalance('management_revenue', 'USD');
    await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        ledger.transfer({
          type: 'fee',
          idempotencyKey: uniqueKey(`fee-${i}`),
          actor: SYSTEM_ACTOR,
          from: customerAccount(customer.id, 'USD'),
          to: platformAccount('management_revenue', 'USD'),
          amount: 1_000n,
        }),
      ),
    );
    expect((await ledger.getPlatformBalance('management_revenue', 'USD')) - before).toBe(64_000n);
    const { rows } = await t.db.query(
      `SELECT count(DISTINCT p.shard)::int AS shards FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE a.customer_id IS NULL AND a.name = 'management_revenue' AND a.currency = 'USD'`,
    );
    // 64 postings over 16 shards at random: all landing on one shard would mean no spreading.
    expect(rows[0].shards).toBeGreaterThan(1);
  });
});
