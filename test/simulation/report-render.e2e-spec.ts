import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReportHtml } from '../../src/modules/simulation/report/report-html.js';
import type { DailyReportRow, ReportSummary } from '../../src/modules/simulation/report/report-row.js';
import { renderReport } from '../support/report-render.js';

function rowsAroundHalving(): DailyReportRow[] {
  const rows: DailyReportRow[] = [];
  for (let i = 0; i < 10; i++) {
    const day = new Date(Date.UTC(2024, 3, 15 + i)).toISOString().slice(0, 10);
    const hashprice = day < '2024-04-20' ? 80_000n : 40_000n;
    rows.push({
      day,
      btcUsd: '64000.00',
      difficulty: '85968906725001.12',
      hashpriceSatsPerThDay: hashprice,
      expectedEarningsSats: hashprice * 1000n,
      poolEarningsSats: hashprice * 990n,
      contractsSettled: 250,
      customersCredited: 200,
      customerNetSats: hashprice * 600n,
      electricityFeeSats: hashprice * 300n,
      managementFeeSats: hashprice * 30n,
      arrearsCollectedSats: 0n,
      houseSats: hashprice * 60n,
      arrearsAddedMicroUsd: 1_000_000n,
      arrearsOutstandingMicroUsd: BigInt(i) * 1_000_000n,
      contractsInArrears: day < '2024-04-20' ? 0 : 12,
      contractsPaused: 0,
      payoutsSats: 0n,
      capacityOnlineGhs: 1_000_000n,
      capacitySoldGhs: 800_000n,
    });
  }
  return rows;
}

describe('report.html in headless Chromium', () => {
  it('draws its four charts offline with no console errors', async () => {
    const summary: ReportSummary = {
      from: '2024-04-15',
      to: '2024-04-24',
      days: 10,
      customers: 200,
      contracts: 250,
      seconds: 1,
      tieOut: { ok: true, checks: [{ name: 'trial balance BTC', expected: '0', actual: '0', ok: true }] },
    };
    const dir = mkdtempSync(join(tmpdir(), 'hm-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReportHtml(rowsAroundHalving(), summary));

    const rendered = await renderReport(file);
    expect(rendered.painted).toHaveLength(4);
    for (const inked of rendered.painted) expect(inked).toBeGreaterThan(500);
    expect(rendered.tieOut).toBe('ok');
    expect(rendered.consoleErrors).toEqual([]);
    expect(rendered.requests).toEqual([]);
  });
});
