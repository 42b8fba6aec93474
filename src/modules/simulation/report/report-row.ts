/** One simulated UTC day as the report shows it. Money in minor units (bigint), hash rate in GH/s. */
export interface DailyReportRow {
  day: string;
  btcUsd: string;
  difficulty: string;
  /** Expected FPPS sats per TH/s per day from the day's difficulty and block reward. */
  hashpriceSatsPerThDay: bigint;
  expectedEarningsSats: bigint;
  poolEarningsSats: bigint;
  customersCredited: number;
  customerNetSats: bigint;
  electricityFeeSats: bigint;
  managementFeeSats: bigint;
  houseSats: bigint;
  arrearsMicroUsd: bigint;
  contractsInArrears: number;
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
