import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { customerAccount, platformAccount } from '../../src/modules/ledger/ledger.accounts.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import { TransactionRunner } from '../../src/database/transaction.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { balanceRow, currencyTotals, fund, uniqueKey } from './ledger-support.js';

describe('LedgerService API for other modules', () => {
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

  describe('post()', () => {
    it('joins the caller’s transaction: a rollback takes the entry with it', async () => {
      const customer = await createUser(t, 'customer');
      const key = uniqueKey('rolled-back');
      await expect(
        transactions.run(async (m) => {
          await ledger.transfer(
            {
              type: 'deposit',
              idempotencyKey: key,
              actor: SYSTEM_ACTOR,
              from: platformAccount('customer_deposits', 'USD'),
              to: customerAccount(customer.id, 'USD'),
              amount: 5n,
            },
            m,
          );
          expect((await ledger.getBalances(customer.id, m)).USD.available).toBe(5n);
          throw new Error('caller fails after posting');
        }),
      ).rejects.toThrow('caller fails after posting');
      expect(await ledger.findEntry(key)).toBeNull();
      expect(await balanceRow(t, customer.id, 'USD')).toBeNull();
      // The account opened by the rolled-back transaction is gone; the next post opens it anew.
      await ledger.transfer({
        type: 'deposit',
        idempotencyKey: key,
        actor: SYSTEM_ACTOR,
        from: platformAccount('customer_deposits', 'USD'),
        to: customerAccount(customer.id, 'USD'),
        amount: 7n,
      });
      await ledger.transfer({
        type: 'fee',
        idempotencyKey: uniqueKey('fee'),
        actor: SYSTEM_ACTOR,
        from: customerAccount(customer.id, 'USD'),
        to: platformAccount('house', 'USD'),
        amount: 2n,
      });
      expect(await balanceRow(t, customer.id, 'USD')).toBe(5n);
    });

    it('records type, reference, actor and lines, and replays return the first entry', async () => {
      const customer = await createUser(t, 'customer');
      const finance = await createUser(t, 'finance');
      const input = {
        type: 'deposit',
        idempotencyKey: uniqueKey('first'),
        reference: 'REF-1',
        actor: { userId: finance.id, role: 'finance' as const },
        lines: [
          { account: customerAccount(customer.id, 'BTC'), amount: 700n },
          { account: platformAccount('customer_deposits', 'BTC'), amount: -700n },
        ],
      };
      const first = await ledger.post(input);
      // Same content in another line order, by another actor, later: still the same entry.
      const replay = await ledger.post({ ...input, actor: SYSTEM_ACTOR, lines: [...input.lines].reverse() });
      expect(replay).toEqual({ entryId: first.entryId, replayed: true, postedAt: first.postedAt });
      expect(await ledger.findEntry(input.idempotencyKey)).toEqual({
        entryId: first.entryId,
        type: 'deposit',
        reference: 'REF-1',
        postedAt: first.postedAt,
        lines: [
          { customerId: customer.id, name: 'available', currency: 'BTC', amount: 700n },
          { customerId: null, name: 'customer_deposits', currency: 'BTC', amount: -700n },
        ],
      });
      const { rows } = await t.db.query(`SELECT actor_id, actor_role FROM ledger_entries WHERE id = $1`, [first.entryId]);
      expect(rows[0]).toEqual({ actor_id: finance.id, actor_role: 'finance' });
      await expect(ledger.post({ ...input, reference: 'REF-2' })).rejects.toMatchObject({ code: 'LEDGER.IDEMPOTENCY_CONFLICT', kind: 'conflict' });
    });

    it.each([
      ['no lines', { lines: [] }, 'an entry has 2 to 1000 lines'],
      ['a type with spaces', { type: 'Bad Type' }, 'type must match'],
      ['an empty key', { idempotencyKey: '' }, 'idempotencyKey must be 1 to 200 characters'],
      ['a 201-character key', { idempotencyKey: 'k'.repeat(201) }, 'idempotencyKey must be 1 to 200 characters'],
      ['a 201-character reference', { reference: 'r'.repeat(201) }, 'reference must be at most 200 characters'],
    ])('refuses an entry with %s', async (_label, override, message) => {
      const base = {
        type: 'deposit',
        idempotencyKey: uniqueKey('bad'),
        actor: SYSTEM_ACTOR,
        lines: [
          { account: platformAccount('adjustments', 'USD'), amount: -1n },
          { account: platformAccount('house', 'USD'), amount: 1n },
        ],
      };
      await expect(ledger.post({ ...base, ...override })).rejects.toMatchObject({ code: 'LEDGER.INVALID_ENTRY', message: expect.stringContaining(message) });
    });

    it('refuses unbalanced lines, zero amounts, unknown accounts and BTC arrears before touching the database', async () => {
      const customer = await createUser(t, 'customer');
      const post = (lines: any[]) => ledger.post({ type: 'x', idempotencyKey: uniqueKey('bad'), actor: SYSTEM_ACTOR, lines });
      await expect(
        post([
          { account: platformAccount('house', 'USD'), amount: 2n },
          { account: platformAccount('house', 'USD'), amount: -1n },
        ]),
      ).rejects.toThrow('unbalanced entry: USD lines sum to 0.000001');
      await expect(
        post([
          { account: platformAccount('house', 'USD'), amount: 1n },
          { account: platformAccount('house', 'BTC'), amount: -1n },
        ]),
      ).rejects.toThrow('unbalanced entry');
      await expect(
        post([
          { account: platformAccount('house', 'USD'), amount: 0n },
          { account: platformAccount('house', 'USD'), amount: 0n },
        ]),
      ).rejects.toThrow('must not be zero');
      await expect(
        post([
          { account: { platform: 'casino', currency: 'USD' }, amount: 1n },
          { account: platformAccount('house', 'USD'), amount: -1n },
        ]),
      ).rejects.toThrow('unknown platform account casino');
      await expect(
        post([
          { account: customerAccount(customer.id, 'BTC', 'arrears'), amount: -1n },
          { account: platformAccount('house', 'BTC'), amount: 1n },
        ]),
      ).rejects.toThrow('customers have no arrears BTC account');
      await expect(
        post([
          { account: customerAccount('nope', 'USD'), amount: -1n },
          { account: platformAccount('house', 'USD'), amount: 1n },
        ]),
      ).rejects.toThrow('customerId must be a UUID');
    });
  });

  describe('postBulk()', () => {
    it('writes many entries set-based, each balanced, replays included', async () => {
      const customers = await Promise.all(Array.from({ length: 30 }, () => createUser(t, 'customer')));
      const day = uniqueKey('day');
      const entries = customers.map((c, i) => ({
        type: 'settlement.daily',
        idempotencyKey: `${day}:${c.id}`,
        reference: day,
        lines: [
          { account: platformAccount('pool_receivable', 'BTC'), amount: -BigInt(1000 + i) },
          { account: platformAccount('management_revenue', 'BTC'), amount: 100n },
          { account: customerAccount(c.id, 'BTC'), amount: BigInt(900 + i) },
        ],
      }));
      const receivableBefore = await ledger.getPlatformBalance('pool_receivable', 'BTC');
      const first = await ledger.postBulk({ actor: SYSTEM_ACTOR, entries: entries.slice(0, 10) });
      expect(first.every((r) => !r.replayed)).toBe(true);
      const all = await ledger.postBulk({ actor: SYSTEM_ACTOR, entries });
      expect(all.map((r) => r.replayed)).toEqual([...Array(10).fill(true), ...Array(20).fill(false)]);
      expect(all.slice(0, 10).map((r) => r.entryId)).toEqual(first.map((r) => r.entryId));
      expect(all.slice(0, 10).map((r) => r.postedAt)).toEqual(first.map((r) => r.postedAt));
      for (const [i, c] of customers.entries()) expect(await balanceRow(t, c.id, 'BTC')).toBe(BigInt(900 + i));
      expect(receivableBefore - (await ledger.getPlatformBalance('pool_receivable', 'BTC'))).toBe(30n * 1000n + 435n);
      expect(await currencyTotals(t)).toMatchObject({ BTC: '0' });
      // The account ids the batch resolved are reused by later posts: they must be the right ones.
      for (const i of [3, 17]) {
        await ledger.transfer({
          type: 'fee',
          idempotencyKey: uniqueKey('after-bulk'),
          actor: SYSTEM_ACTOR,
          from: customerAccount(customers[i].id, 'BTC'),
          to: platformAccount('house', 'BTC'),
          amount: 5n,
        });
        expect(await balanceRow(t, customers[i].id, 'BTC')).toBe(BigInt(895 + i));
      }
    });

    it('writes nothing when one entry conflicts or overdraws', async () => {
      const a = await createUser(t, 'customer');
      await fund(t, a.id, 'USD', 100n);
      const existing = uniqueKey('exists');
      await ledger.transfer({
        type: 'fee',
        idempotencyKey: existing,
        actor: SYSTEM_ACTOR,
        from: customerAccount(a.id, 'USD'),
        to: platformAccount('house', 'USD'),
        amount: 10n,
      });
      const okEntry = {
        type: 'fee',
        idempotencyKey: uniqueKey('ok'),
        lines: [
          { account: customerAccount(a.id, 'USD'), amount: -10n },
          { account: platformAccount('house', 'USD'), amount: 10n },
        ],
      };
      const conflicting = {
        ...okEntry,
        idempotencyKey: existing,
        lines: [
          { account: customerAccount(a.id, 'USD'), amount: -11n },
          { account: platformAccount('house', 'USD'), amount: 11n },
        ],
      };
      await expect(ledger.postBulk({ actor: SYSTEM_ACTOR, entries: [okEntry, conflicting] })).rejects.toMatchObject({ code: 'LEDGER.IDEMPOTENCY_CONFLICT' });
      const overdraw = {
        ...okEntry,
        idempotencyKey: uniqueKey('big'),
        lines: [
          { account: customerAccount(a.id, 'USD'), amount: -1000n },
          { account: platformAccount('house', 'USD'), amount: 1000n },
        ],
      };
      await expect(ledger.postBulk({ actor: SYSTEM_ACTOR, entries: [okEntry, overdraw] })).rejects.toMatchObject({ code: 'LEDGER.INSUFFICIENT_BALANCE' });
      expect(await ledger.findEntry(okEntry.idempotencyKey)).toBeNull();
      expect(await balanceRow(t, a.id, 'USD')).toBe(90n);
      await expect(ledger.postBulk({ actor: SYSTEM_ACTOR, entries: [okEntry, okEntry] })).rejects.toThrow('idempotency keys must be unique within a call');
    });
  });

  describe('withdrawal helpers', () => {
    it('reserve -> release, reserve -> settle, and never reserve what is not available', async () => {
      const c = await createUser(t, 'customer');
      await fund(t, c.id, 'BTC', 10_000n);
      const move = { customerId: c.id, currency: 'BTC' as const, actor: SYSTEM_ACTOR };
      await ledger.reserve({ ...move, amount: 6_000n, idempotencyKey: uniqueKey('r1') });
      await expect(ledger.reserve({ ...move, amount: 4_001n, idempotencyKey: uniqueKey('r2') })).rejects.toMatchObject({
        code: 'LEDGER.INSUFFICIENT_BALANCE',
        details: { currency: 'BTC', account: 'available' },
      });
      expect(await ledger.getBalances(c.id)).toMatchObject({ BTC: { available: 4_000n, reserved: 6_000n } });
      await ledger.release({ ...move, amount: 1_000n, idempotencyKey: uniqueKey('rel') });
      const inFlightBefore = await ledger.getPlatformBalance('withdrawals_in_flight', 'BTC');
      await ledger.settleReserved({ ...move, amount: 5_000n, idempotencyKey: uniqueKey('out') });
      await expect(ledger.settleReserved({ ...move, amount: 1n, idempotencyKey: uniqueKey('out2') })).rejects.toMatchObject({
        code: 'LEDGER.INSUFFICIENT_BALANCE',
      });
      expect(await ledger.getBalances(c.id)).toMatchObject({ BTC: { available: 5_000n, reserved: 0n } });
      expect((await ledger.getPlatformBalance('withdrawals_in_flight', 'BTC')) - inFlightBefore).toBe(5_000n);
    });
  });

  describe('arrears', () => {
    it('records what a customer owes and collects it from available USD, at most what is owed', async () => {
      const c = await createUser(t, 'customer');
      await ledger.recordArrears({ customerId: c.id, amountMicroUsd: 3_000_000n, idempotencyKey: uniqueKey('owe'), actor: SYSTEM_ACTOR });
      expect((await ledger.getBalances(c.id)).USD).toEqual({ available: 0n, reserved: 0n, arrears: -3_000_000n });

      const nothing = await ledger.collectArrears({ customerId: c.id, idempotencyKey: uniqueKey('collect'), actor: SYSTEM_ACTOR });
      expect(nothing).toEqual({ collectedMicroUsd: 0n, owedMicroUsd: 3_000_000n, entry: null });

      await fund(t, c.id, 'USD', 1_000_000n);
      const partialKey = uniqueKey('collect');
      const partial = await ledger.collectArrears({ customerId: c.id, idempotencyKey: partialKey, actor: SYSTEM_ACTOR });
      expect(partial).toMatchObject({ collectedMicroUsd: 1_000_000n, owedMicroUsd: 2_000_000n, entry: { replayed: false } });
      await fund(t, c.id, 'USD', 5_000_000n);
      const replay = await ledger.collectArrears({ customerId: c.id, idempotencyKey: partialKey, actor: SYSTEM_ACTOR });
      expect(replay).toMatchObject({ collectedMicroUsd: 1_000_000n, entry: { entryId: partial.entry!.entryId, replayed: true } });

      const rest = await ledger.collectArrears({ customerId: c.id, idempotencyKey: uniqueKey('collect'), actor: SYSTEM_ACTOR });
      expect(rest).toMatchObject({ collectedMicroUsd: 2_000_000n, owedMicroUsd: 0n });
      expect((await ledger.getBalances(c.id)).USD).toEqual({ available: 3_000_000n, reserved: 0n, arrears: 0n });

      // Paying more than is owed would take arrears above zero: refused by the account's bound.
      await expect(
        ledger.transfer({
          type: 'x',
          idempotencyKey: uniqueKey('over'),
          actor: SYSTEM_ACTOR,
          from: customerAccount(c.id, 'USD'),
          to: customerAccount(c.id, 'USD', 'arrears'),
          amount: 1n,
        }),
      ).rejects.toMatchObject({ code: 'LEDGER.BALANCE_LIMIT', kind: 'conflict' });
    });

    it('collects from many customers at once, each min(available, owed, max), in input order', async () => {
      const [full, partial, broke, capped] = await Promise.all([1, 2, 3, 4].map(() => createUser(t, 'customer')));
      for (const c of [full, partial, broke, capped]) {
        await ledger.recordArrears({ customerId: c.id, amountMicroUsd: 2_000_000n, idempotencyKey: uniqueKey('owe'), actor: SYSTEM_ACTOR });
      }
      await fund(t, full.id, 'USD', 5_000_000n);
      await fund(t, partial.id, 'USD', 500_000n);
      await fund(t, capped.id, 'USD', 5_000_000n);
      const inputs = [
        { customerId: full.id, idempotencyKey: uniqueKey('bulk-collect') },
        { customerId: partial.id, idempotencyKey: uniqueKey('bulk-collect') },
        { customerId: broke.id, idempotencyKey: uniqueKey('bulk-collect') },
        { customerId: capped.id, idempotencyKey: uniqueKey('bulk-collect'), maxMicroUsd: 700_000n },
      ];
      const results = await ledger.collectArrearsBulk(inputs, SYSTEM_ACTOR);
      expect(results.map((r) => [r.collectedMicroUsd, r.owedMicroUsd])).toEqual([
        [2_000_000n, 0n],
        [500_000n, 1_500_000n],
        [0n, 2_000_000n],
        [700_000n, 1_300_000n],
      ]);
      expect(results[2].entry).toBeNull();
      expect((await ledger.getBalances(partial.id)).USD).toEqual({ available: 0n, reserved: 0n, arrears: -1_500_000n });
      expect((await ledger.getBalances(capped.id)).USD).toEqual({ available: 4_300_000n, reserved: 0n, arrears: -1_300_000n });

      // Replayed keys return what they collected and move nothing.
      const replayed = await ledger.collectArrearsBulk(inputs, SYSTEM_ACTOR);
      expect(replayed.map((r) => r.collectedMicroUsd)).toEqual([2_000_000n, 500_000n, 0n, 700_000n]);
      expect(replayed.filter((r) => r.entry).every((r) => r.entry!.replayed)).toBe(true);
      expect((await ledger.getBalances(capped.id)).USD.available).toBe(4_300_000n);
      await expect(ledger.collectArrearsBulk([inputs[0], inputs[0]], SYSTEM_ACTOR)).rejects.toThrow('one input per customer');
    });
  });

  it('ensureCustomerAccounts opens every bucket at zero, once, for customers only', async () => {
    const c = await createUser(t, 'customer');
    await ledger.ensureCustomerAccounts(c.id);
    await ledger.ensureCustomerAccounts(c.id);
    const { rows } = await t.db.query(`SELECT currency || ':' || name AS account FROM ledger_accounts WHERE customer_id = $1 ORDER BY 1`, [c.id]);
    expect(rows.map((r) => r.account)).toEqual(['BTC:available', 'BTC:reserved', 'USD:arrears', 'USD:available', 'USD:reserved']);
    const staff = await createUser(t, 'operator');
    await expect(ledger.ensureCustomerAccounts(staff.id)).rejects.toMatchObject({ code: 'LEDGER.CUSTOMER_NOT_FOUND', kind: 'not_found' });
  });
});
