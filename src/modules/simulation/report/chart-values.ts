import { metricValue } from '../../../common/metrics/metric-value.js';

/**
 * Figures as the numbers Chart.js plots. Display only: the report's tables and CSV carry the
 * exact amounts, and nothing here is summed or compared after conversion.
 */

const SATS_PER_BTC = 100_000_000n;

/** Sats as BTC, built from the decimal digits so a plotted value is never off by float rounding of the division. */
export function btcForChart(sats: bigint): number {
  const magnitude = sats < 0n ? -sats : sats;
  const digits = `${magnitude / SATS_PER_BTC}.${(magnitude % SATS_PER_BTC).toString().padStart(8, '0')}`;
  return Number(sats < 0n ? `-${digits}` : digits);
}

/** A count in sats as plotted (exact up to 2^53 - 1, clamped beyond, like a metric). */
export const satsForChart = (sats: bigint): number => metricValue(sats);

/** A USD price held as a decimal string (market data), as plotted. */
export const usdForChart = (price: string): number => Number(price);

/** GH/s as whole TH/s. */
export const thsForChart = (ghs: bigint): number => metricValue(ghs / 1000n);
