import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { btcForChart, satsForChart, thsForChart, usdForChart } from './chart-values.js';
import { feesSats, type DailyReportRow, type ReportSummary } from './report-row.js';

const require = createRequire(import.meta.url);

/** Chart.js is inlined so the report opens offline, from a file, with its charts drawn. */
function chartJsSource(): string {
  // The UMD build sits beside the package's main entry (it is not in the exports map).
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

const HALVING_DAY = '2024-04-20';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Cumulative sums of a bigint series (sats), for the yield-vs-fees chart. */
function cumulative(values: bigint[]): number[] {
  let total = 0n;
  return values.map((value) => btcForChart((total += value)));
}

/** report.html: a self-contained page with the four charts and the tie-out table. */
export function renderReportHtml(rows: DailyReportRow[], summary: ReportSummary): string {
  const labels = rows.map((r) => r.day);
  const data = {
    labels,
    halvingIndex: labels.indexOf(HALVING_DAY),
    customerYield: cumulative(rows.map((r) => r.customerNetSats)),
    fees: cumulative(rows.map(feesSats)),
    house: cumulative(rows.map((r) => r.houseSats)),
    hashprice: rows.map((r) => satsForChart(r.hashpriceSatsPerThDay)),
    btcUsd: rows.map((r) => usdForChart(r.btcUsd)),
    online: rows.map((r) => thsForChart(r.capacityOnlineGhs)),
    sold: rows.map((r) => thsForChart(r.capacitySoldGhs)),
    inArrears: rows.map((r) => r.contractsInArrears),
    paused: rows.map((r) => r.contractsPaused),
  };
  const checks = summary.tieOut.checks
    .map(
      (c) =>
        `<tr class="${c.ok ? 'ok' : 'bad'}"><td>${escapeHtml(c.name)}</td><td>${escapeHtml(c.expected)}</td><td>${escapeHtml(c.actual)}</td><td>${c.ok ? 'ok' : 'FAILED'}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hashmarket simulation ${escapeHtml(summary.from)} to ${escapeHtml(summary.to)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#1d2430;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px} .sub{color:#5a6573;margin-bottom:18px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:18px}
.card{background:#fff;border:1px solid #e2e6ea;border-radius:8px;padding:14px}
.card h2{font-size:15px;margin:0 0 8px} canvas{width:100%!important;height:300px!important}
table{border-collapse:collapse;margin-top:18px;background:#fff} td,th{border:1px solid #e2e6ea;padding:6px 10px;font-size:13px;text-align:right}
th{background:#f1f3f5} tr.bad td{background:#fde2e1} td:first-child{text-align:left}
</style></head><body>
<h1>Hashmarket simulation</h1>
<div class="sub">${escapeHtml(summary.from)} to ${escapeHtml(summary.to)} · ${summary.days} days · ${summary.customers} customers · ${summary.contracts} contracts · tie-out: <b id="tie-out">${summary.tieOut.ok ? 'ok' : 'FAILED'}</b></div>
<div class="grid">
<div class="card"><h2>Cumulative customer yield vs fees (BTC)</h2><canvas id="chart-yield"></canvas></div>
<div class="card"><h2>Hashprice (sats per TH/s per day) and BTC/USD</h2><canvas id="chart-hashprice"></canvas></div>
<div class="card"><h2>Capacity sold vs online (TH/s)</h2><canvas id="chart-capacity"></canvas></div>
<div class="card"><h2>Contracts in arrears and paused</h2><canvas id="chart-arrears"></canvas></div>
</div>
<table><thead><tr><th>tie-out check</th><th>expected</th><th>actual</th><th></th></tr></thead><tbody>${checks}</tbody></table>
<script>${chartJsSource()}</script>
<script>
const D = ${JSON.stringify(data)};
// Marks the April 2024 halving with a vertical line where the range includes it.
const halvingLine = { id: 'halving', afterDraw(chart) {
  if (D.halvingIndex < 0 || !chart.scales.x) return;
  const x = chart.scales.x.getPixelForValue(D.halvingIndex); const { top, bottom } = chart.chartArea; const ctx = chart.ctx;
  ctx.save(); ctx.strokeStyle = '#d9480f'; ctx.setLineDash([5, 4]); ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
  ctx.fillStyle = '#d9480f'; ctx.fillText('halving 2024-04-20', x + 4, top + 12); ctx.restore(); } };
Chart.register(halvingLine);
const base = { animation: false, responsive: true, maintainAspectRatio: false, interaction: { mode: 'index', intersect: false }, elements: { point: { radius: 0 } } };
new Chart(document.getElementById('chart-yield'), { type: 'line', options: base, data: { labels: D.labels, datasets: [
  { label: 'customer net yield', data: D.customerYield, borderColor: '#2b8a3e' },
  { label: 'fees (electricity + management + arrears paid)', data: D.fees, borderColor: '#c92a2a' },
  { label: 'house (unsold capacity)', data: D.house, borderColor: '#868e96' } ] } });
new Chart(document.getElementById('chart-hashprice'), { type: 'line', options: { ...base, scales: { y: { position: 'left' }, y1: { position: 'right', grid: { drawOnChartArea: false } } } }, data: { labels: D.labels, datasets: [
  { label: 'hashprice sats/TH/day', data: D.hashprice, borderColor: '#1971c2', yAxisID: 'y' },
  { label: 'BTC/USD', data: D.btcUsd, borderColor: '#f08c00', yAxisID: 'y1' } ] } });
new Chart(document.getElementById('chart-capacity'), { type: 'line', options: base, data: { labels: D.labels, datasets: [
  { label: 'online', data: D.online, borderColor: '#1971c2' },
  { label: 'sold', data: D.sold, borderColor: '#2b8a3e', fill: true, backgroundColor: 'rgba(43,138,62,0.12)' } ] } });
new Chart(document.getElementById('chart-arrears'), { type: 'bar', options: { ...base, scales: { x: { stacked: true }, y: { stacked: true } } }, data: { labels: D.labels, datasets: [
  { label: 'in arrears (within the grace days)', data: D.inArrears, backgroundColor: '#e8590c' },
  { label: 'paused for arrears', data: D.paused, backgroundColor: '#868e96' } ] } });
document.body.dataset.chartsDrawn = String(Object.keys(Chart.instances).length);
</script></body></html>
`;
}
