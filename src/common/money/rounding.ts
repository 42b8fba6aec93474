import { ValidationFailedError } from '../errors/domain-error.js';
import { decimalProblem } from './decimal.js';
import type { MicroUsd, Sats } from './units.js';

/**
 * How a division that does not come out even is rounded. Every conversion names its rule:
 * fees charged to customers usually round 'ceil' (never under-charge), credits 'floor'
 * (never over-credit), displayed conversions 'half-up'.
 * - floor: toward minus infinity; ceil: toward plus infinity;
 * - half-up: to nearest, a half going away from zero (2.5 -> 3, -2.5 -> -3).
 */
export type Rounding = 'floor' | 'ceil' | 'half-up';

/** numerator / denominator rounded by `rounding`, exactly (bigint only). */
export function divide(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) return divide(-numerator, -denominator, rounding);
  const quotient = numerator / denominator; // truncates toward zero
  const remainder = numerator % denominator;
  if (remainder === 0n) return quotient;
  switch (rounding) {
    case 'floor':
      return numerator < 0n ? quotient - 1n : quotient;
    case 'ceil':
      return numerator > 0n ? quotient + 1n : quotient;
    case 'half-up': {
      const twice = 2n * (remainder < 0n ? -remainder : remainder);
      if (twice < denominator) return quotient;
      return numerator < 0n ? quotient - 1n : quotient + 1n;
    }
  }
}

/** amount x bps / 10,000 (basis points), rounded by `rounding`: a 250 bps fee on 10,000 sats is 250. */
export function applyBps(amount: bigint, bps: bigint | number, rounding: Rounding): bigint {
  const basisPoints = BigInt(bps);
  if (basisPoints < 0n) throw new RangeError('basis points must not be negative');
  return divide(amount * basisPoints, 10_000n, rounding);
}

/** An exact decimal such as a Postgres `numeric` price ("65000.12") as numerator / 10^scale. */
export interface ExactDecimal {
  numerator: bigint;
  scale: number;
}

/** Reads a positive decimal string (a price) exactly; up to 18 decimals. Throws a 400 naming `field`. */
export function parsePositiveDecimal(input: unknown, field = 'price', maxPlaces = 18): ExactDecimal {
  const problem = decimalProblem(input, { places: maxPlaces, sign: 'positive', int64: false });
  if (problem !== null) throw new ValidationFailedError(field, problem);
  const text = input as string;
  const [whole, fraction = ''] = text.split('.');
  return { numerator: BigInt(whole + fraction), scale: fraction.length };
}

/**
 * Converts micro-USD to sats at a BTC price in USD ("65000.12"):
 * sats = microUsd x 10^8 / (price x 10^6), rounded by `rounding`.
 */
export function microUsdToSats(microUsd: MicroUsd, usdPerBtc: string, rounding: Rounding): Sats {
  const price = parsePositiveDecimal(usdPerBtc, 'usdPerBtc');
  return divide(microUsd * 100n * 10n ** BigInt(price.scale), price.numerator, rounding);
}

/** Converts sats to micro-USD at a BTC price in USD: microUsd = sats x price x 10^6 / 10^8. */
export function satsToMicroUsd(sats: Sats, usdPerBtc: string, rounding: Rounding): MicroUsd {
  const price = parsePositiveDecimal(usdPerBtc, 'usdPerBtc');
  return divide(sats * price.numerator, 100n * 10n ** BigInt(price.scale), rounding);
}
