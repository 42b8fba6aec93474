import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { TransactionRunner } from '../../src/database/transaction.js';
import { platformAccount } from '../../src/modules/ledger/ledger.accounts.js';
import { LedgerEntryBuilder } from '../../src/modules/ledger/ledger-entry.builder.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { uniqueKey } from './ledger-support.js';

const POOL_SIZE = 3;

/**
 * Every pooled connection held by a transaction that posts through the ledger, right after
 * start (the platform accounts not read yet): the first post must not need a second
 * connection, or all of them wait for each other forever (a settlement finalizer posting
 * its chunks side by side did exactly that).
 */
describe('ledger posts inside transactions that hold the whole pool', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ role: 'api', env: { DATABASE_POOL_SIZE: String(POOL_SIZE), LOG_LEVEL: 'error' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('posts from as many transactions as the pool has connections, with the platform accounts not read yet', async () => {
    // As after a restart: nothing cached about platform accounts.
    Object.assign(t.app.get(LedgerEntryBuilder), { loadedPlatform: undefined, platformAccounts: undefined });
    const ledger = t.app.get(LedgerService);
    const transactions = t.app.get(TransactionRunner);
    let entered = 0;
    const posts = Array.from({ length: POOL_SIZE }, (_, i) =>
      transactions.run(async (m) => {
        entered++;
        // Every transaction holds its connection before any of them posts.
        while (entered < POOL_SIZE) await new Promise((resolve) => setTimeout(resolve, 10));
        return ledger.postBulk(
          {
            actor: SYSTEM_ACTOR,
            entries: [
              {
                type: 'adjustment',
                idempotencyKey: uniqueKey(`pool-${i}`),
                lines: [
                  { account: platformAccount('adjustments', 'BTC'), amount: -(10n + BigInt(i)) },
                  { account: platformAccount('house', 'BTC'), amount: 10n + BigInt(i) },
                ],
              },
            ],
          },
          m,
        );
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), 15_000)));
    const outcome = await Promise.race([Promise.all(posts), stuck]);
    clearTimeout(timer);
    expect(outcome).not.toBe('stuck');
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key LIKE 'pool-%'`);
    expect(rows[0].n).toBe(POOL_SIZE);
  }, 30_000);
});
