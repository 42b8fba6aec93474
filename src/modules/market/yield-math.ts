import { decimalToRatio, divFloor, type Ratio } from '../capacity/units/exact-division.js';

export const SECONDS_PER_DAY = 86_400n;
export const TWO_POW_32 = 2n ** 32n;

/**
 * Expected output of `hashrateGhs` over one day at `difficulty`, as an exact ratio of sats:
 * a hash finds a block with probability 1 / (difficulty x 2^32), so
 *   sats/day = GH/s x 10^9 x 86,400 x reward / (difficulty x 2^32).
 * Kept as a fraction so callers round once, at the end, by a named rule.
 */
export function expectedSatsPerDayRatio(hashrateGhs: bigint, difficulty: string, rewardSats: bigint): Ratio {
  const d = decimalToRatio(difficulty);
  if (d.num === 0n) throw new RangeError('difficulty must be positive');
  return { num: hashrateGhs * 1_000_000_000n * SECONDS_PER_DAY * rewardSats * d.den, den: d.num * TWO_POW_32 };
}

/**
 * Expected sats per TH/s per day = 86,400 x 10^12 x reward / (difficulty x 2^32), computed
 * exactly with integers and rounded down to the satoshi (an expectation is never overstated).
 */
export function expectedSatsPerThDay(difficulty: string, rewardSats: bigint): bigint {
  const r = expectedSatsPerDayRatio(1000n, difficulty, rewardSats);
  return divFloor(r.num, r.den);
}
