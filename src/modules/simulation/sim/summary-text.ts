import { formatBtc, formatUsd } from '../../../common/money/units.js';
import type { DailyReportRow, ReportSummary } from '../report/report-row.js';
import type { SimStats } from './sim-context.js';

const sum = (rows: DailyReportRow[], f: (r: DailyReportRow) => bigint) => rows.reduce((s, r) => s + f(r), 0n);
const pad = (label: string) => label.padEnd(26);
const btc = (sats: bigint) => `${formatBtc(sats).padStart(16)} BTC`;

/** Percent with two decimals, from integers (display only). */
function pct(part: bigint, whole: bigint): string {
  if (whole === 0n) return 'n/a';
  const bps = (part * 10_000n) / whole;
  const sign = bps < 0n ? '-' : '+';
  const abs = bps < 0n ? -bps : bps;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}%`;
}

export interface SummaryInput {
  summary: ReportSummary;
  rows: DailyReportRow[];
  stats: SimStats;
  seed: number;
  database: string;
  outDir: string;
  logins: string[];
}

/** The terminal summary (also summary.txt). */
export function summaryText({ summary, rows, stats, seed, database, outDir, logins }: SummaryInput): string {
  const earnings = sum(rows, (r) => r.poolEarningsSats);
  const expected = sum(rows, (r) => r.expectedEarningsSats);
  const last = rows[rows.length - 1];
  const first = rows[0];
  const refused =
    Object.entries(stats.refused)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ') || 'none';
  const lines = [
    `Hashmarket simulation ${summary.from} to ${summary.to} (${summary.days} days), seed ${seed}`,
    `database ${database}; report ${outDir}`,
    `customers ${summary.customers} (automatic payouts: ${stats.autoPayoutCustomers}); contracts bought ${summary.contracts}; purchases refused: ${refused}`,
    `deposits ${stats.deposits}; fleet outages ${stats.outages}; settlement runs ${stats.settlementRuns} (${summary.days > 0 ? (stats.settlementMs / summary.days / 1000).toFixed(2) : '0'} s per day through the queue); pool payouts ${stats.poolPayouts}`,
    '',
    `${pad('pool earnings')}${btc(earnings)}   expected FPPS ${formatBtc(expected)} BTC (${pct(earnings - expected, expected)})`,
    `${pad('customer net yield')}${btc(sum(rows, (r) => r.customerNetSats))}`,
    `${pad('electricity fees')}${btc(sum(rows, (r) => r.electricityFeeSats))}`,
    `${pad('management fees')}${btc(sum(rows, (r) => r.managementFeeSats))}`,
    `${pad('arrears paid from output')}${btc(sum(rows, (r) => r.arrearsCollectedSats))}`,
    `${pad('house (unsold capacity)')}${btc(sum(rows, (r) => r.houseSats))}`,
    `${pad('payouts to customers')}${btc(sum(rows, (r) => r.payoutsSats))}   (${stats.withdrawals} withdrawals)`,
    `${pad('arrears added')}${formatUsd(sum(rows, (r) => r.arrearsAddedMicroUsd)).padStart(16)} USD; outstanding at the end ${formatUsd(last?.arrearsOutstandingMicroUsd ?? 0n)} USD`,
    `${pad('contracts at the end')}${last ? `${last.contractsSettled} settled on ${last.day}, ${last.contractsInArrears} in arrears, ${last.contractsPaused} paused` : '-'}`,
    `${pad('hashprice')}${first ? `${first.hashpriceSatsPerThDay} sats/TH/day on ${first.day} -> ${last.hashpriceSatsPerThDay} on ${last.day}` : '-'}`,
    '',
    `tie-out: ${summary.tieOut.ok ? 'ok' : 'FAILED'} (${summary.tieOut.checks.filter((c) => c.ok).length}/${summary.tieOut.checks.length} checks)`,
    ...summary.tieOut.checks.map((c) => `  ${c.ok ? 'ok    ' : 'FAILED'} ${c.name}: expected ${c.expected}, actual ${c.actual}`),
    '',
    'time by step:',
    ...Object.entries(stats.stepMs)
      .sort((a, b) => b[1] - a[1])
      .map(([step, ms]) => `  ${step.padEnd(44)}${(ms / 1000).toFixed(1).padStart(8)} s`),
    '',
    'logins (browse this database with DATABASE_URL pointing at it):',
    ...logins.map((l) => `  ${l}`),
  ];
  return `${lines.join('\n')}\n`;
}
