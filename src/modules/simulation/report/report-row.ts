/** One simulated UTC day as the report shows it. Money in minor units (bigint), hash rate in GH/s. */
export interface DailyReportRow {
  day: string;
  btcUsd: string;
  difficulty: string;
  /** Expected FPPS sats per TH/s per day from the day's difficulty and block reward. */
  hashpriceSatsPerThDay: bigint;
  /** Expected FPPS earnings of the hash rate the pools delivered, after their fees (reconciliation). */
  expectedEarningsSats: bigint;
  poolEarningsSats: bigint;
  contractsSettled: number;
  customersCredited: number;
  customerNetSats: bigint;
  electricityFeeSats: bigint;
  managementFeeSats: bigint;
  /** Earlier electricity arrears paid out of the day's output (revenue, like the fee). */
  arrearsCollectedSats: bigint;
  houseSats: bigint;
  arrearsAddedMicroUsd: bigint;
  /** Arrears owed at the end of the day, all contracts. */
  arrearsOutstandingMicroUsd: bigint;
  /** Contracts owing electricity arrears after the day, within their grace days (not paused). */
  contractsInArrears: number;
  /** Contracts paused that day because their arrears outlived the grace days. */
  contractsPaused: number;
  /** Withdrawals paid out that day (what left customers' balances). */
  payoutsSats: bigint;
  capacityOnlineGhs: bigint;
  capacitySoldGhs: bigint;
}

export interface ReportSummary {
  from: string;
  to: string;
  days: number;
  customers: number;
  contracts: number;
  seconds: number;
  /** Ledger trial balance and earnings tie-out, as checked by the simulation. */
  tieOut: { ok: boolean; checks: { name: string; expected: string; actual: string; ok: boolean }[] };
}

/** Everything a day's fees come to, in sats: electricity, management and arrears paid from output. */
export function feesSats(row: DailyReportRow): bigint {
  return row.electricityFeeSats + row.managementFeeSats + row.arrearsCollectedSats;
}
