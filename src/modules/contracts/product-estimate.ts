import { divide, parsePositiveDecimal } from '../../common/money/rounding.js';
import { expectedSatsPerDayRatio } from '../market/yield-math.js';

export interface EstimateInput {
  hashrateGhs: bigint;
  /** Network difficulty, exact decimal. */
  difficulty: string;
  /** Block subsidy + average fees per block, sats. */
  rewardSats: bigint;
  /** USD per BTC, exact decimal. */
  btcPriceUsd: string;
  poolFeeBps: number;
  managementFeeBps: number;
  electricityFeeMicroUsdPerThDay: bigint;
  upfrontPriceMicroUsdPerTh: bigint;
  termDays: number;
}

export interface Estimate {
  /** Expected output before the pool's fee, rounded down. */
  expectedSatsPerDay: bigint;
  /** After the pool's fee (what the pool credits), rounded down. */
  grossSatsPerDay: bigint;
  /** Of gross, rounded up. */
  managementFeeSatsPerDay: bigint;
  /** Fee per TH/s per day x TH/s, rounded up to the micro-dollar. */
  electricityFeeMicroUsdPerDay: bigint;
  /** The electricity fee converted at the BTC price, rounded up to the satoshi. */
  electricityFeeSatsPerDay: bigint;
  /** gross - management fee - electricity fee; negative when fees exceed output. */
  netSatsPerDay: bigint;
  /** Net valued at the BTC price, rounded toward zero to the micro-dollar. */
  netMicroUsdPerDay: bigint;
  /** Upfront price x TH/s, rounded half-up to the micro-dollar (what a purchase charges). */
  upfrontMicroUsd: bigint;
  /** Whole days of today's net to cover the upfront price, rounded up; null when the net is not positive. */
  daysToRecoverUpfront: bigint | null;
  netSatsOverTerm: bigint;
  /**
   * BTC price, in cents, below which the daily electricity fee exceeds the output left after the
   * management fee: fee USD / ((gross - management fee) / 10^8), rounded up to the cent. Null when
   * nothing is left after the management fee (no price covers the fee).
   */
  shutdownPriceCents: bigint | null;
}

/**
 * Honest daily estimate at fixed figures. Rounding always favours a lower net (output rounded
 * down, fees rounded up), so an estimate never overstates what a customer would receive.
 */
export function estimateProduct(input: EstimateInput): Estimate {
  const expected = expectedSatsPerDayRatio(input.hashrateGhs, input.difficulty, input.rewardSats);
  const expectedSatsPerDay = divide(expected.num, expected.den, 'floor');
  const grossSatsPerDay = divide(expected.num * BigInt(10_000 - input.poolFeeBps), expected.den * 10_000n, 'floor');
  const managementFeeSatsPerDay = divide(grossSatsPerDay * BigInt(input.managementFeeBps), 10_000n, 'ceil');

  const exactPrice = parsePositiveDecimal(input.btcPriceUsd, 'btcPriceUsd');
  const price = { num: exactPrice.numerator, den: 10n ** BigInt(exactPrice.scale) };
  const electricityFeeMicroUsdPerDay = divide(input.electricityFeeMicroUsdPerThDay * input.hashrateGhs, 1000n, 'ceil');
  // micro-USD / 10^6 = USD; USD / (USD per BTC) x 10^8 = sats  =>  micro x 100 / price
  const electricityFeeSatsPerDay = divide(electricityFeeMicroUsdPerDay * 100n * price.den, price.num, 'ceil');

  const netSatsPerDay = grossSatsPerDay - managementFeeSatsPerDay - electricityFeeSatsPerDay;
  // sats x price / 10^8 = USD; x 10^6 = micro  =>  sats x price / 100
  const netAbsMicro = divide((netSatsPerDay < 0n ? -netSatsPerDay : netSatsPerDay) * price.num, price.den * 100n, 'floor');
  const netMicroUsdPerDay = netSatsPerDay < 0n ? -netAbsMicro : netAbsMicro;

  const upfrontMicroUsd = divide(input.upfrontPriceMicroUsdPerTh * input.hashrateGhs, 1000n, 'half-up');
  // upfront micro / (net sats x price / 100) days, on the exact net value (not the rounded micro-USD)
  const daysToRecoverUpfront = netSatsPerDay > 0n ? divide(upfrontMicroUsd * 100n * price.den, netSatsPerDay * price.num, 'ceil') : null;

  const leftAfterManagement = grossSatsPerDay - managementFeeSatsPerDay;
  // price* = fee micro / 10^6 / (left / 10^8) USD = fee micro x 100 / left USD = fee micro x 10^4 / left cents
  const shutdownPriceCents = leftAfterManagement > 0n ? divide(electricityFeeMicroUsdPerDay * 10_000n, leftAfterManagement, 'ceil') : null;

  return {
    expectedSatsPerDay,
    grossSatsPerDay,
    managementFeeSatsPerDay,
    electricityFeeMicroUsdPerDay,
    electricityFeeSatsPerDay,
    netSatsPerDay,
    netMicroUsdPerDay,
    upfrontMicroUsd,
    daysToRecoverUpfront,
    netSatsOverTerm: netSatsPerDay * BigInt(input.termDays),
    shutdownPriceCents,
  };
}
