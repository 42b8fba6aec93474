import { divide, parsePositiveDecimal } from '../../common/money/rounding.js';

export const SECONDS_PER_DAY = 86_400n;
export const TWO_POW_32 = 2n ** 32n;

/** An exact fraction num / den (den > 0), rounded only by whoever turns it into sats. */
export interface Ratio {
  num: bigint;
  den: bigint;
}

/**
 * Expected output of `hashrateGhs` over one day at `difficulty`, as an exact ratio of sats:
 * a hash finds a block with probability 1 / (difficulty x 2^32), so
 *   sats/day = GH/s x 10^9 x 86,400 x reward / (difficulty x 2^32).
 * Kept as a fraction so callers round once, at the end, by a named rule.
 */
export function expectedSatsPerDayRatio(hashrateGhs: bigint, difficulty: string, rewardSats: bigint): Ratio {
  const d = parsePositiveDecimal(difficulty, 'difficulty');
  return { num: hashrateGhs * 1_000_000_000n * SECONDS_PER_DAY * rewardSats * 10n ** BigInt(d.scale), den: d.numerator * TWO_POW_32 };
}

/**
 * Expected sats per TH/s per day = 86,400 x 10^12 x reward / (difficulty x 2^32), computed
 * exactly with integers and rounded down to the satoshi (an expectation is never overstated).
 */
export function expectedSatsPerThDay(difficulty: string, rewardSats: bigint): bigint {
  const r = expectedSatsPerDayRatio(1000n, difficulty, rewardSats);
  return divide(r.num, r.den, 'floor');
}
