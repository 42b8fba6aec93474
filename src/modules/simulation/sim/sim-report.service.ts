import { Injectable } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CapacityService } from '../../capacity/capacity.service.js';
import { addDays } from '../../../common/clock/utc-day.js';
import { ContractsSettlementService } from '../../contracts/contracts-settlement.service.js';
import { LedgerIntegrityService, type EntryTypeFlowRow } from '../../ledger/ledger-integrity.service.js';
import { MarketService } from '../../market/market.service.js';
import { ReconciliationService } from '../../settlement/settlement.public.js';
import { renderDailyCsv } from '../report/report-csv.js';
import { renderReportHtml } from '../report/report-html.js';
import { feesSats, type DailyReportRow, type ReportSummary } from '../report/report-row.js';

export type TieOutCheck = ReportSummary['tieOut']['checks'][number];

/** Minor units from the ledger's formatted amounts ("-12.500000" -> -12500000n). */
const minor = (formatted: string) => BigInt(formatted.replace('.', ''));
const sum = (values: bigint[]) => values.reduce((s, v) => s + v, 0n);

function check(name: string, expected: bigint | string, actual: bigint | string): TieOutCheck {
  return { name, expected: String(expected), actual: String(actual), ok: String(expected) === String(actual) };
}

/**
 * The report of a simulated period, read back through the owners' services (settlement's daily
 * summary and reconciliation, capacity, sales, market data), and its tie-out against the ledger
 * (trial balance, integrity, and where every sat of the pools' earnings went).
 */
@Injectable()
export class SimReportService {
  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly capacity: CapacityService,
    private readonly sales: ContractsSettlementService,
    private readonly market: MarketService,
    private readonly ledger: LedgerIntegrityService,
  ) {}

  async rows(from: string, to: string, payoutsByDay: Map<string, bigint>): Promise<DailyReportRow[]> {
    const [summaries, recon, online, sold] = await Promise.all([
      this.reconciliation.dailySummary(from, to),
      this.reconciliation.report(from, to),
      this.capacity.onlineByPoolDay(from, to),
      this.sales.soldByPoolDay(from, to),
    ]);
    const rows: DailyReportRow[] = [];
    for (let day = from; day <= to; day = addDays(day, 1)) {
      const s = summaries.find((x) => x.day === day);
      const [price, difficulty] = await Promise.all([this.market.priceOn(day), this.market.difficultyOn(day)]);
      rows.push({
        day,
        btcUsd: price?.usdPerBtc.replace(/\.?0+$/, '') ?? '',
        difficulty: difficulty?.difficulty.replace(/\.?0+$/, '') ?? '',
        hashpriceSatsPerThDay: difficulty
          ? this.market.expectedSatsPerThDay(difficulty.difficulty, difficulty.blockSubsidySats + difficulty.avgFeesPerBlockSats)
          : 0n,
        expectedEarningsSats: sum(recon.rows.filter((r) => r.day === day && r.expectedSats !== null).map((r) => BigInt(r.expectedSats!))),
        poolEarningsSats: s?.earningsSats ?? 0n,
        contractsSettled: s?.contracts ?? 0,
        customersCredited: s?.customersCredited ?? 0,
        customerNetSats: s?.netSats ?? 0n,
        electricityFeeSats: s?.electricityFeeSats ?? 0n,
        managementFeeSats: s?.managementFeeSats ?? 0n,
        arrearsCollectedSats: s?.arrearsCollectedSats ?? 0n,
        houseSats: s?.houseSats ?? 0n,
        arrearsAddedMicroUsd: s?.arrearsAddedMicroUsd ?? 0n,
        arrearsOutstandingMicroUsd: s?.arrearsOutstandingMicroUsd ?? 0n,
        contractsInArrears: s?.contractsInArrears ?? 0,
        contractsPaused: s?.contractsPaused ?? 0,
        payoutsSats: payoutsByDay.get(day) ?? 0n,
        capacityOnlineGhs: sum(online.filter((o) => o.day === day).map((o) => o.onlineGhs)),
        capacitySoldGhs: sum(sold.filter((o) => o.day === day).map((o) => o.soldGhs)),
      });
    }
    return rows;
  }

  /**
   * The checks: each currency's trial balance is zero and every balance equals its postings;
   * net + fees + house = earnings, in the report and in the ledger, to the sat; and each of the
   * report's totals equals the ledger's (settlement entries, confirmed withdrawals, arrears owed).
   */
  async tieOut(rows: DailyReportRow[], recordedEarningsSats: bigint): Promise<ReportSummary['tieOut']> {
    const checks: TieOutCheck[] = [];
    const trial = await this.ledger.trialBalance();
    for (const c of trial.currencies) checks.push(check(`trial balance ${c.currency}`, 0n, minor(c.total)));
    const integrity = await this.ledger.check();
    checks.push(
      check(
        'ledger integrity: every balance equals its postings',
        'ok',
        integrity.ok ? 'ok' : `${integrity.problems.length} problems: ${integrity.problems[0]}`,
      ),
    );

    const flows = await this.ledger.flowsByEntryType(['settlement.yield', 'settlement.pool_day', 'withdrawal.confirm']);
    const flow = (types: string[], kind: EntryTypeFlowRow['kind'], account: string, currency = 'BTC') =>
      sum(flows.filter((f) => types.includes(f.type) && f.kind === kind && f.account === account && f.currency === currency).map((f) => f.amount));
    const settlement = ['settlement.yield', 'settlement.pool_day'];
    const ledgerEarnings = -flow(settlement, 'platform', 'pool_receivable');
    const ledgerNet = flow(settlement, 'customer', 'available');
    const ledgerElectricity = flow(settlement, 'platform', 'electricity_revenue');
    const ledgerManagement = flow(settlement, 'platform', 'management_revenue');
    const ledgerHouse = flow(settlement, 'platform', 'house');

    const report = {
      earnings: sum(rows.map((r) => r.poolEarningsSats)),
      net: sum(rows.map((r) => r.customerNetSats)),
      electricity: sum(rows.map((r) => r.electricityFeeSats + r.arrearsCollectedSats)),
      management: sum(rows.map((r) => r.managementFeeSats)),
      fees: sum(rows.map(feesSats)),
      house: sum(rows.map((r) => r.houseSats)),
      payouts: sum(rows.map((r) => r.payoutsSats)),
    };
    checks.push(check('pool earnings recorded = settled (report)', recordedEarningsSats, report.earnings));
    checks.push(check('customer net + fees + house = pool earnings (report)', report.earnings, report.net + report.fees + report.house));
    checks.push(check('customer net + fees + house = pool earnings (ledger)', ledgerEarnings, ledgerNet + ledgerElectricity + ledgerManagement + ledgerHouse));
    checks.push(check('pool earnings: report = ledger pool receivable', report.earnings, ledgerEarnings));
    checks.push(check('customer net: report = ledger customer credits', report.net, ledgerNet));
    checks.push(check('electricity + arrears paid: report = ledger revenue', report.electricity, ledgerElectricity));
    checks.push(check('management fees: report = ledger revenue', report.management, ledgerManagement));
    checks.push(check('house: report = ledger house', report.house, ledgerHouse));
    checks.push(check('payouts: report = ledger withdrawals confirmed', report.payouts, -flow(['withdrawal.confirm'], 'platform', 'withdrawals_in_flight')));
    const arrearsLine = trial.currencies.find((c) => c.currency === 'USD')?.lines.find((l) => l.kind === 'customer' && l.account === 'arrears');
    const owed = rows.length > 0 ? rows[rows.length - 1].arrearsOutstandingMicroUsd : 0n;
    checks.push(check('arrears outstanding (micro-USD): report = ledger customers owe', owed, arrearsLine ? -minor(arrearsLine.balance) : 0n));
    return { ok: checks.every((c) => c.ok), checks };
  }

  async write(dir: string, rows: DailyReportRow[], summary: ReportSummary, summaryText: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'daily.csv'), renderDailyCsv(rows));
    await writeFile(join(dir, 'report.html'), renderReportHtml(rows, summary));
    await writeFile(join(dir, 'summary.txt'), summaryText);
  }
}
