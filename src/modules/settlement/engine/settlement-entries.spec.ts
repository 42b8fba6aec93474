import { accountKey } from '../../ledger/ledger.accounts.js';
import type { LedgerLine } from '../../ledger/ledger.types.js';
import type { CustomerTotal, RunTotals } from '../settlement.types.js';
import { CUSTOMERS_PER_ENTRY, customerEntries, platformEntry, settlementReference } from './settlement-entries.js';

const POOL = '00000000-0000-4000-8000-0000000000aa';
const run = { poolId: POOL, day: '2025-07-12', seq: 0 };

const customer = (n: number, netSats: bigint, arrearsDelta = 0n): CustomerTotal => ({
  customerId: `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`,
  netSats,
  arrearsDelta,
});

const byAccount = (lines: LedgerLine[]) => Object.fromEntries(lines.map((l) => [accountKey(l.account), l.amount]));
const sum = (lines: LedgerLine[]) => lines.reduce((s, l) => s + l.amount, 0n);

const totals = (over: Partial<RunTotals> = {}): RunTotals => ({
  chunksDone: 1,
  contracts: 3,
  grossSats: 0n,
  electricityFeeMicroUsd: 0n,
  electricityFeeSats: 0n,
  managementFeeSats: 0n,
  arrearsCollectedSats: 0n,
  arrearsClearedMicroUsd: 0n,
  netSats: 0n,
  arrearsAddedMicroUsd: 0n,
  paused: 0,
  inArrears: 0,
  stateChanges: 0,
  houseSats: 0n,
  ...over,
});

describe('settlement ledger entries', () => {
  it('credits each customer its net, the pool receivable paying the batch, keyed by range and batch', () => {
    const customers = [customer(1, 1_000n), customer(2, 0n), customer(3, 2_345n)];

    const entries = customerEntries(run, customers, '1-');

    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry.type).toBe('settlement.yield');
    expect(entry.idempotencyKey).toBe(`settlement:${POOL}:2025-07-12:s0:customers-1-0`);
    expect(entry.reference).toBe('settlement 2025-07-12');
    expect(byAccount(entry.lines)).toEqual({
      'platform:pool_receivable:BTC': -3_345n,
      [`customer:${customers[0].customerId}:BTC:available`]: 1_000n,
      [`customer:${customers[2].customerId}:BTC:available`]: 2_345n,
    });
    expect(sum(entry.lines)).toBe(0n);
  });

  it('batches CUSTOMERS_PER_ENTRY customers an entry', () => {
    const customers = Array.from({ length: CUSTOMERS_PER_ENTRY + 1 }, (_, i) => customer(i + 1, 7n));

    const entries = customerEntries(run, customers, '');

    expect(entries.map((e) => e.idempotencyKey)).toEqual([`settlement:${POOL}:2025-07-12:s0:customers-0`, `settlement:${POOL}:2025-07-12:s0:customers-1`]);
    expect(entries[0].lines).toHaveLength(CUSTOMERS_PER_ENTRY + 1);
    expect(byAccount(entries[1].lines)['platform:pool_receivable:BTC']).toBe(-7n);
  });

  it("moves arrears on the customers' USD arrears accounts against USD electricity revenue", () => {
    const added = customer(1, 0n, 1_500_000n);
    const cleared = customer(2, 10n, -400_000n);

    const entries = customerEntries({ ...run, seq: 2 }, [added, cleared], '');

    const arrears = entries.find((e) => e.type === 'settlement.arrears')!;
    expect(arrears.idempotencyKey).toBe(`settlement:${POOL}:2025-07-12:s2:arrears-0`);
    expect(arrears.reference).toBe('settlement 2025-07-12 adjustment 2');
    expect(byAccount(arrears.lines)).toEqual({
      [`customer:${added.customerId}:USD:arrears`]: -1_500_000n,
      [`customer:${cleared.customerId}:USD:arrears`]: 400_000n,
      'platform:electricity_revenue:USD': 1_100_000n,
    });
    expect(sum(arrears.lines)).toBe(0n);
  });

  it('writes no entry for customers with nothing to post', () => {
    expect(customerEntries(run, [customer(1, 0n, 0n)], '')).toEqual([]);
  });

  it("posts the platform share of the pool-day: receivable less customers' net, fees, arrears collected and the house", () => {
    const t = totals({ netSats: 60_000n, electricityFeeSats: 20_000n, arrearsCollectedSats: 1_000n, managementFeeSats: 4_000n, houseSats: 15_000n });

    const entry = platformEntry(run, 100_000n, t)!;

    expect(entry.type).toBe('settlement.pool_day');
    expect(entry.idempotencyKey).toBe(`settlement:${POOL}:2025-07-12:s0:platform`);
    expect(byAccount(entry.lines)).toEqual({
      'platform:pool_receivable:BTC': -40_000n,
      'platform:electricity_revenue:BTC': 21_000n,
      'platform:management_revenue:BTC': 4_000n,
      'platform:house:BTC': 15_000n,
    });
    expect(sum(entry.lines)).toBe(0n);
  });

  it('lets the house absorb a downward correction, and posts nothing when nothing moves', () => {
    const absorbed = platformEntry({ ...run, seq: 1 }, -5_000n, totals({ houseSats: -5_000n }))!;
    expect(byAccount(absorbed.lines)).toEqual({ 'platform:pool_receivable:BTC': 5_000n, 'platform:house:BTC': -5_000n });

    expect(platformEntry(run, 0n, totals())).toBeNull();
    expect(settlementReference({ day: '2025-07-12', seq: 0 })).toBe('settlement 2025-07-12');
  });
});
