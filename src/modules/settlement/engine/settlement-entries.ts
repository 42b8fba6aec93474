import { customerAccount, platformAccount } from '../../ledger/ledger.accounts.js';
import type { LedgerLine, PostEntryInput } from '../../ledger/ledger.types.js';
import type { SettlementRun } from '../entities/settlement-run.entity.js';
import { ledgerKey } from '../settlement-ids.js';
import type { CustomerTotal, RunTotals } from '../settlement.types.js';

/**
 * Customers per ledger entry (the ledger takes up to 1000 lines an entry). postBulk checks each
 * entry's balance once per statement, so larger entries only save receivable lines; 100 keeps
 * an entry readable in a statement (docs/settlement.md).
 */
export const CUSTOMERS_PER_ENTRY = 100;

/** What names a run in its entries' keys: its pool, day and seq. */
type RunKey = Pick<SettlementRun, 'poolId' | 'day' | 'seq'>;

export type SettlementEntry = Omit<PostEntryInput, 'actor'>;

export function settlementReference(run: Pick<SettlementRun, 'day' | 'seq'>): string {
  return `settlement ${run.day}${run.seq ? ` adjustment ${run.seq}` : ''}`;
}

/**
 * One range's customer entries: net credits (CUSTOMERS_PER_ENTRY customers an entry, the pool
 * receivable paying their sum) and arrears moves (customers' USD arrears accounts against USD
 * electricity revenue). Keys carry the range's number (`prefix`) and the batch's position.
 */
export function customerEntries(run: RunKey, customers: readonly CustomerTotal[], prefix: string): SettlementEntry[] {
  const entries: SettlementEntry[] = [];
  const reference = settlementReference(run);
  const receivable = platformAccount('pool_receivable', 'BTC');
  const credits = customers.filter((c) => c.netSats !== 0n);
  for (let i = 0; i < credits.length; i += CUSTOMERS_PER_ENTRY) {
    const batch = credits.slice(i, i + CUSTOMERS_PER_ENTRY);
    const sum = batch.reduce((s, c) => s + c.netSats, 0n);
    entries.push({
      type: 'settlement.yield',
      idempotencyKey: ledgerKey(run, `customers-${prefix}${i / CUSTOMERS_PER_ENTRY}`),
      reference,
      lines: [{ account: receivable, amount: -sum }, ...batch.map((c) => ({ account: customerAccount(c.customerId, 'BTC'), amount: c.netSats }))],
    });
  }
  const arrears = customers.filter((c) => c.arrearsDelta !== 0n);
  for (let i = 0; i < arrears.length; i += CUSTOMERS_PER_ENTRY) {
    const batch = arrears.slice(i, i + CUSTOMERS_PER_ENTRY);
    const sum = batch.reduce((s, c) => s + c.arrearsDelta, 0n);
    const lines: LedgerLine[] = batch.map((c) => ({ account: customerAccount(c.customerId, 'USD', 'arrears'), amount: -c.arrearsDelta }));
    if (sum !== 0n) lines.push({ account: platformAccount('electricity_revenue', 'USD'), amount: sum });
    if (lines.length >= 2)
      entries.push({ type: 'settlement.arrears', idempotencyKey: ledgerKey(run, `arrears-${prefix}${i / CUSTOMERS_PER_ENTRY}`), reference, lines });
  }
  return entries;
}

/**
 * The run's platform entry, or null when nothing moves: the pool receivable is debited by the
 * earnings less what the customers were credited; electricity revenue gets its fees and the
 * arrears collected from output, management revenue its fee, the house its share.
 */
export function platformEntry(run: RunKey, earningsSats: bigint, totals: RunTotals): SettlementEntry | null {
  const lines: LedgerLine[] = [
    { account: platformAccount('pool_receivable', 'BTC'), amount: -(earningsSats - totals.netSats) },
    { account: platformAccount('electricity_revenue', 'BTC'), amount: totals.electricityFeeSats + totals.arrearsCollectedSats },
    { account: platformAccount('management_revenue', 'BTC'), amount: totals.managementFeeSats },
    { account: platformAccount('house', 'BTC'), amount: totals.houseSats },
  ].filter((l) => l.amount !== 0n);
  if (lines.length === 0) return null;
  return { type: 'settlement.pool_day', idempotencyKey: ledgerKey(run, 'platform'), reference: settlementReference(run), lines };
}
