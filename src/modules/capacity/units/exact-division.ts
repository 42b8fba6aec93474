/**
 * Integer division with a named rounding rule, for non-negative numerators and positive
 * denominators (every quantity divided here is a hash rate, an amount or a price).
 */

function assertOperands(numerator: bigint, denominator: bigint): void {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  if (numerator < 0n) throw new RangeError('numerator must not be negative');
}

export function divFloor(numerator: bigint, denominator: bigint): bigint {
  assertOperands(numerator, denominator);
  return numerator / denominator;
}

export function divCeil(numerator: bigint, denominator: bigint): bigint {
  assertOperands(numerator, denominator);
  return (numerator + denominator - 1n) / denominator;
}

/** Rounds to nearest, exact halves away from zero (the usual commercial rule). */
export function divHalfUp(numerator: bigint, denominator: bigint): bigint {
  assertOperands(numerator, denominator);
  return (2n * numerator + denominator) / (2n * denominator);
}

/** An exact non-negative decimal (e.g. a Postgres numeric "65000.12000000") as numerator / 10^places. */
export interface Ratio {
  num: bigint;
  den: bigint;
}

export function decimalToRatio(value: string): Ratio {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value)) throw new RangeError(`not a non-negative decimal: "${value}"`);
  const [whole, fraction = ''] = value.split('.');
  return { num: BigInt(whole + fraction), den: 10n ** BigInt(fraction.length) };
}
