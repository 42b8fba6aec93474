import { formatDecimal } from '../../../common/money/decimal.js';
import { divide } from '../../../common/money/rounding.js';
import { expectedSatsPerDayRatio, type Ratio } from '../../market/yield-math.js';

export interface DayExpectationInput {
  /** Delivered hash rate that day, GH/s. */
  deliveredGhs: bigint;
  /** Network difficulty, exact decimal. */
  difficulty: string;
  /** Block subsidy + average fees per block, sats. */
  rewardSats: bigint;
  poolFeeBps: number;
}

export interface DayJudgement {
  /** The exact expectation rounded down to the satoshi: the one rounding, for display. */
  expectedSats: bigint;
  /** (earnings - expected) / expected in %, 2 decimals; null without earnings or with nothing expected. */
  variancePct: string | null;
  flagged: boolean;
}

/**
 * Expected FPPS earnings of a pool-day after the pool's fee, as an exact fraction of sats:
 *   GH/s x 10^9 x 86,400 x reward x (10,000 - fee bps) / (difficulty x 2^32 x 10,000).
 * Nothing is rounded here: flooring the per-TH/s figure before multiplying by the TH/s delivered
 * understated the expectation by up to 1 sat per TH/s and hid real shortfalls.
 */
export function expectedEarningsRatio(input: DayExpectationInput): Ratio {
  const gross = expectedSatsPerDayRatio(input.deliveredGhs, input.difficulty, input.rewardSats);
  const keptBps = 10_000n - BigInt(input.poolFeeBps);
  return { num: gross.num * keptBps, den: gross.den * 10_000n };
}

/**
 * Judges a day's earnings against the exact expectation. The flag compares exact figures,
 * earnings x 10,000 x den < num x (10,000 - threshold), so no rounding decides it; the variance
 * is (earnings x den - num) x 10,000 / num hundredths of a percent, rounded half away from zero
 * (a displayed figure). The expected sats shown are floor(num / den): an expectation is never
 * overstated.
 */
export function judgeDay(earningsSats: bigint | null, expected: Ratio, thresholdBps: bigint): DayJudgement {
  const expectedSats = divide(expected.num, expected.den, 'floor');
  if (earningsSats === null || expected.num <= 0n) return { expectedSats, variancePct: null, flagged: false };
  const hundredths = divide((earningsSats * expected.den - expected.num) * 10_000n, expected.num, 'half-up');
  const flagged = earningsSats * 10_000n * expected.den < expected.num * (10_000n - thresholdBps);
  return { expectedSats, variancePct: formatDecimal(hundredths, 2), flagged };
}
