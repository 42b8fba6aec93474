import { stringify } from 'csv-stringify/sync';
import type { DailyReportRow } from './report-row.js';

const COLUMNS: (keyof DailyReportRow)[] = [
  'day',
  'btcUsd',
  'difficulty',
  'hashpriceSatsPerThDay',
  'expectedEarningsSats',
  'poolEarningsSats',
  'contractsSettled',
  'customersCredited',
  'customerNetSats',
  'electricityFeeSats',
  'managementFeeSats',
  'arrearsCollectedSats',
  'houseSats',
  'arrearsAddedMicroUsd',
  'arrearsOutstandingMicroUsd',
  'contractsInArrears',
  'contractsPaused',
  'payoutsSats',
  'capacityOnlineGhs',
  'capacitySoldGhs',
];

/** The daily CSV: one line per day, integers in minor units, exactly as settled. */
export function renderDailyCsv(rows: DailyReportRow[]): string {
  return stringify(
    rows.map((row) => COLUMNS.map((column) => String(row[column]))),
    { header: true, columns: COLUMNS.map((c) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)) },
  );
}
