import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { customerAccount, platformAccount } from '../../src/modules/ledger/ledger.accounts.js';
import { IdempotencyConflictError, InsufficientBalanceError } from '../../src/modules/ledger/ledger.errors.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { balanceRow, currencyTotals, fund, uniqueKey } from './ledger-support.js';

/** Entries posted at the same moment outside a caller's transaction share commits (LedgerGroupCommit). */
describe('ledger group commit', () => {
  let t: TestApp;
  let ledger: LedgerService;

  beforeAll(async () => {
    t = await startTestApp();
    ledger = t.app.get(LedgerService);
  });
  afterAll(async () => {
    await t.close();
  });

  /** How many transactions wrote the entries with these keys (rows a transaction inserts share its xmin). */
  async function commitsFor(keys: string[]): Promise<number> {
    const { rows } = await t.db.query<{ commits: string }>(
      `SELECT count(DISTINCT xmin::text)::text AS commits FROM ledger_entries WHERE idempotency_key = ANY($1::text[])`,
      [keys],
    );
    return Number(rows[0].commits);
  }

  const debit = (customerId: string, key: string, amount: bigint) =>
    ledger.transfer({
      type: 'fee',
      idempotencyKey: key,
      actor: SYSTEM_ACTOR,
      from: customerAccount(customerId, 'USD'),
      to: platformAccount('house', 'USD'),
      amount,
    });

  it('writes 60 concurrent entries in fewer commits than entries, each entry whole and balanced', async () => {
    const customers = await Promise.all(Array.from({ length: 6 }, () => createUser(t, 'customer')));
    await Promise.all(customers.map((c) => fund(t, c.id, 'USD', 1_000n)));
    const keys = Array.from({ length: 60 }, (_, i) => uniqueKey(`grouped-${i}`));
    const posted = await Promise.all(keys.map((key, i) => debit(customers[i % 6].id, key, BigInt(i + 1))));

    expect(posted.every((p) => !p.replayed)).toBe(true);
    expect(new Set(posted.map((p) => p.entryId)).size).toBe(60);
    expect(await commitsFor(keys)).toBeLessThan(60);
    for (const [index, customer] of customers.entries()) {
      const spent = keys.reduce((sum, _, i) => (i % 6 === index ? sum + BigInt(i + 1) : sum), 0n);
      expect(await balanceRow(t, customer.id, 'USD')).toBe(1_000n - spent);
    }
    const { rows } = await t.db.query<{ unbalanced: string }>(
      `SELECT count(*)::text AS unbalanced FROM (
         SELECT e.id FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
          WHERE e.idempotency_key = ANY($1::text[]) GROUP BY e.id HAVING sum(p.amount_minor) <> 0 OR count(*) <> 2) u`,
      [keys],
    );
    expect(rows[0].unbalanced).toBe('0');
    expect(Object.values(await currencyTotals(t)).every((total) => total === '0')).toBe(true);
  });

  it('gives each caller its own outcome: the one debit that would overdraw fails, the rest of its group commits', async () => {
    const rich = await createUser(t, 'customer');
    const poor = await createUser(t, 'customer');
    await fund(t, rich.id, 'USD', 10_000n);
    await fund(t, poor.id, 'USD', 5n);
    const richKeys = Array.from({ length: 30 }, (_, i) => uniqueKey(`rich-${i}`));
    const poorKey = uniqueKey('poor');
    const outcomes = await Promise.allSettled([
      ...richKeys.slice(0, 15).map((key) => debit(rich.id, key, 100n)),
      debit(poor.id, poorKey, 6n),
      ...richKeys.slice(15).map((key) => debit(rich.id, key, 100n)),
    ]);

    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toBeInstanceOf(InsufficientBalanceError);
    expect(await ledger.findEntry(poorKey)).toBeNull();
    expect(await balanceRow(t, poor.id, 'USD')).toBe(5n);
    expect(await balanceRow(t, rich.id, 'USD')).toBe(10_000n - 30n * 100n);
    expect(await commitsFor(richKeys)).toBeLessThan(30);
  });

  it('50 concurrent debits against a balance covering 10: exactly 10 commit, never below zero', async () => {
    const customer = await createUser(t, 'customer');
    await fund(t, customer.id, 'USD', 1_000n);
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => debit(customer.id, uniqueKey(`d${i}`), 100n)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(reasons.every((r) => r instanceof InsufficientBalanceError)).toBe(true);
    expect(await balanceRow(t, customer.id, 'USD')).toBe(0n);
  });

  it('one key posted by many callers at once: one entry, the others replay it with its first time; other content is a 409', async () => {
    const customer = await createUser(t, 'customer');
    await fund(t, customer.id, 'USD', 1_000n);
    const key = uniqueKey('same');
    const posted = await Promise.all(Array.from({ length: 20 }, () => debit(customer.id, key, 7n)));
    expect(new Set(posted.map((p) => p.entryId)).size).toBe(1);
    expect(posted.filter((p) => !p.replayed)).toHaveLength(1);
    const first = posted.find((p) => !p.replayed)!;
    expect(posted.every((p) => p.postedAt.getTime() === first.postedAt.getTime())).toBe(true);
    expect(await balanceRow(t, customer.id, 'USD')).toBe(993n);

    const mixed = await Promise.allSettled([
      debit(customer.id, key, 8n),
      ...Array.from({ length: 10 }, (_, i) => debit(customer.id, uniqueKey(`other-${i}`), 1n)),
    ]);
    expect(mixed[0].status).toBe('rejected');
    expect((mixed[0] as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyConflictError);
    expect(mixed.slice(1).every((o) => o.status === 'fulfilled')).toBe(true);
    expect(await balanceRow(t, customer.id, 'USD')).toBe(983n);
  });
});
