import { Injectable } from '@nestjs/common';
import { formatAmount, isCurrency, type Currency } from '../../common/money/units.js';
import { LedgerIntegrityRepository, type EntryTypeFlowRow } from './ledger-integrity.repository.js';

export type { EntryTypeFlowRow } from './ledger-integrity.repository.js';

export interface TrialBalanceLine {
  kind: 'platform' | 'customer';
  account: string;
  /** How many accounts the line adds up (1 for a platform account, the customers for a bucket). */
  accounts: number;
  balance: string;
}

export interface TrialBalance {
  asOf: string;
  currencies: { currency: Currency; lines: TrialBalanceLine[]; total: string; balanced: boolean }[];
}

export interface IntegrityReport {
  ok: boolean;
  problems: string[];
  checked: { accounts: number; currencies: string[] };
}

const REPORT_LIMIT = 50;

/**
 * Finance's view of the whole ledger, read in one REPEATABLE READ snapshot: the trial balance
 * and the integrity check (balances recomputed from postings, chains, entries).
 */
@Injectable()
export class LedgerIntegrityService {
  constructor(private readonly repository: LedgerIntegrityRepository) {}

  /** Every account's balance per currency; the grand total of each currency is zero. */
  async trialBalance(asOf = new Date()): Promise<TrialBalance> {
    const rows = await this.repository.snapshot((m) => this.repository.trialBalance(m));
    const currencies = [...new Set(rows.map((r) => r.currency))].filter(isCurrency).sort();
    return {
      asOf: asOf.toISOString(),
      currencies: currencies.map((currency) => {
        const own = rows.filter((r) => r.currency === currency);
        const total = own.reduce((sum, r) => sum + r.balance, 0n);
        return {
          currency,
          lines: own.map((r) => ({ kind: r.kind, account: r.account, accounts: r.accounts, balance: formatAmount(currency, r.balance) })),
          total: formatAmount(currency, total),
          balanced: total === 0n,
        };
      }),
    };
  }

  /**
   * What entries of the given types moved, per type, currency and account (customers summed per
   * bucket), read in one snapshot: e.g. where every sat of settlement went, for reconciliation.
   */
  flowsByEntryType(types: string[]): Promise<EntryTypeFlowRow[]> {
    return this.repository.snapshot((m) => this.repository.flowsByEntryType(types, m));
  }

  /** Recomputes every balance from postings and checks every entry; ok is false on any drift. */
  async check(): Promise<IntegrityReport> {
    return this.repository.snapshot(async (m) => {
      const problems: string[] = [];
      for (const d of await this.repository.balanceDrift(REPORT_LIMIT, m)) {
        problems.push(
          `account ${d.accountId} shard ${d.shard}: balance ${d.balance} but postings sum to ${d.postingsSum} (seq ${d.seq}, ${d.postings} postings)`,
        );
      }
      for (const c of await this.repository.chainBreaks(REPORT_LIMIT, m)) {
        problems.push(`account ${c.accountId} shard ${c.shard} posting ${c.accountSeq}: balance after ${c.balanceAfter} but running sum ${c.runningSum}`);
      }
      for (const u of await this.repository.unbalancedEntries(REPORT_LIMIT, m)) {
        problems.push(`entry ${u.entryId}: ${u.currency} postings sum to ${u.sum}`);
      }
      const malformed = await this.repository.malformed(REPORT_LIMIT, m);
      for (const id of malformed.emptyEntries) problems.push(`entry ${id} has no postings`);
      for (const id of malformed.currencyMismatches) problems.push(`entry ${id} has a posting in another currency than its account`);
      const trial = await this.repository.trialBalance(m);
      const totals = new Map<string, bigint>();
      for (const row of trial) totals.set(row.currency, (totals.get(row.currency) ?? 0n) + row.balance);
      for (const [currency, total] of totals) if (total !== 0n) problems.push(`${currency} balances sum to ${total}, not zero`);
      return {
        ok: problems.length === 0,
        problems,
        checked: { accounts: trial.reduce((n, r) => n + r.accounts, 0), currencies: [...totals.keys()].sort() },
      };
    });
  }
}
