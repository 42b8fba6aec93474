import { randomBytes } from 'node:crypto';
import { SYSTEM_ACTOR } from '../../src/modules/audit/audit.service.js';
import { customerAccount, platformAccount } from '../../src/modules/ledger/ledger.accounts.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import type { TestApp } from './test-app.js';

export const key = (prefix = 'buy') => `${prefix}-${randomBytes(8).toString('hex')}`;

/** Credits a customer's available USD straight through the ledger service (arranging, not testing, deposits). */
export async function fundUsd(t: TestApp, customerId: string, microUsd: bigint): Promise<void> {
  await t.app.get(LedgerService).transfer({
    type: 'deposit',
    idempotencyKey: key('fund'),
    actor: SYSTEM_ACTOR,
    from: platformAccount('customer_deposits', 'USD'),
    to: customerAccount(customerId, 'USD'),
    amount: microUsd,
  });
}

export async function availableUsd(t: TestApp, customerId: string): Promise<bigint> {
  return (await t.app.get(LedgerService).getBalances(customerId)).USD.available;
}

export async function salesRevenue(t: TestApp): Promise<bigint> {
  return t.app.get(LedgerService).getPlatformBalance('sales_revenue', 'USD');
}

/** Rows that a purchase writes, to prove a refused one wrote nothing. */
export async function writeCounts(t: TestApp) {
  const { rows } = await t.db.query(
    `SELECT (SELECT COUNT(*) FROM contracts)::int AS contracts,
            (SELECT COUNT(*) FROM contract_status_changes)::int AS history,
            (SELECT COUNT(*) FROM ledger_entries WHERE type LIKE 'contract.%')::int AS entries,
            (SELECT COUNT(*) FROM audit_log WHERE action LIKE 'contracts.%')::int AS audits,
            (SELECT COALESCE(SUM(sold_ghs), 0)::text FROM products) AS sold`,
  );
  return rows[0];
}
