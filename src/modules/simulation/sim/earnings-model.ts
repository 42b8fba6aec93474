import { divide } from '../../../common/money/rounding.js';
import { expectedSatsPerDayRatio } from '../../market/yield-math.js';
import type { PayoutScheme } from '../world/world-spec.js';
import { type Random, toPpm } from './random.js';

export interface PoolDayInput {
  deliveredGhs: bigint;
  difficulty: string;
  blockSubsidySats: bigint;
  avgFeesPerBlockSats: bigint;
  feeBps: number;
  scheme: PayoutScheme;
}

export interface PoolDayEarnings {
  /** Expected FPPS output of the delivered hash rate after the pool's fee, rounded down. */
  expectedSats: bigint;
  /** What the pool credits: the expectation with the scheme's noise. */
  earningsSats: bigint;
  /** The noise applied, parts per million of the expectation (1,000,000 = exactly expected). */
  factorPpm: bigint;
}

const PPM = 1_000_000n;

/** sats = floor(expected output of `ghs` for `reward` x (1 - fee) x factor), exact to the end. */
function pays(ghs: bigint, difficulty: string, rewardSats: bigint, feeBps: number, factorPpm: bigint): bigint {
  const r = expectedSatsPerDayRatio(ghs, difficulty, rewardSats);
  return divide(r.num * BigInt(10_000 - feeBps) * factorPpm, r.den * 10_000n * PPM, 'floor');
}

/**
 * A pool's earnings for a day, from the day's real difficulty and the delivered hash rate:
 * - FPPS pays the expected subsidy and fees; the pool's fee estimate drifts a little (sd 0.4%);
 * - PPS+ pays the subsidy exactly and the fees actually found (sd 25% of the fee part);
 * - PPLNS pays what the pool found, so its luck shows (sd 18%, clamped to 35%..190%).
 */
export function poolDayEarnings(input: PoolDayInput, rng: Random): PoolDayEarnings {
  const reward = input.blockSubsidySats + input.avgFeesPerBlockSats;
  const expectedSats = pays(input.deliveredGhs, input.difficulty, reward, input.feeBps, PPM);
  if (expectedSats === 0n) return { expectedSats, earningsSats: 0n, factorPpm: PPM };
  let earningsSats: bigint;
  if (input.scheme === 'PPS+') {
    const feesFactor = toPpm(1 + 0.25 * rng.normal(), 300_000, 2_000_000);
    earningsSats =
      pays(input.deliveredGhs, input.difficulty, input.blockSubsidySats, input.feeBps, PPM) +
      pays(input.deliveredGhs, input.difficulty, input.avgFeesPerBlockSats, input.feeBps, feesFactor);
  } else {
    const factor = input.scheme === 'FPPS' ? toPpm(1 + 0.004 * rng.normal(), 985_000, 1_015_000) : toPpm(1 + 0.18 * rng.normal(), 350_000, 1_900_000);
    earningsSats = pays(input.deliveredGhs, input.difficulty, reward, input.feeBps, factor);
  }
  return { expectedSats, earningsSats, factorPpm: (earningsSats * PPM) / expectedSats };
}
