import { randomBytes } from 'node:crypto';
import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { customerAccount, platformAccount } from '../../src/modules/ledger/ledger.accounts.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import type { TestApp } from '../support/test-app.js';

export const uniqueKey = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

/** Credits a customer's available balance straight through the service (arranging, not testing, deposits). */
export async function fund(t: TestApp, customerId: string, currency: 'USD' | 'BTC', amount: bigint): Promise<void> {
  await t.app.get(LedgerService).transfer({
    type: 'deposit',
    idempotencyKey: uniqueKey('fund'),
    actor: SYSTEM_ACTOR,
    from: platformAccount('customer_deposits', currency),
    to: customerAccount(customerId, currency),
    amount,
  });
}

/** The balance row of a customer bucket as the database holds it (null when never opened). */
export async function balanceRow(t: TestApp, customerId: string, currency: string, bucket = 'available'): Promise<bigint | null> {
  const { rows } = await t.db.query<{ balance_minor: string }>(
    `SELECT b.balance_minor FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id
      WHERE a.customer_id = $1 AND a.currency = $2 AND a.name = $3`,
    [customerId, currency, bucket],
  );
  return rows.length ? BigInt(rows[0].balance_minor) : null;
}

/** Sum of every balance per currency, straight from SQL. */
export async function currencyTotals(t: TestApp): Promise<Record<string, string>> {
  const { rows } = await t.db.query<{ currency: string; total: string }>(
    `SELECT currency, sum(balance_minor)::text AS total FROM ledger_balances GROUP BY currency ORDER BY currency`,
  );
  return Object.fromEntries(rows.map((r) => [r.currency, r.total]));
}
