import { ValidationFailedError } from '../errors/domain-error.js';

/** Which signs a decimal field accepts. */
export type DecimalSign = 'positive' | 'non-negative' | 'any';

export interface DecimalRules {
  /** Maximum number of digits after the point (8 for BTC, 6 for USD, 3 for TH/s). */
  places: number;
  /** Default 'non-negative': amounts at the API are never negative unless a field says so. */
  sign?: DecimalSign;
  /**
   * Default true: the value in minor units must fit a Postgres bigint. Exact ratios that are
   * never stored as minor units (a price read as numerator / 10^scale) turn it off.
   */
  int64?: boolean;
}

/** Largest magnitude a Postgres `bigint` holds (2^63 - 1); minor units beyond it are refused. */
export const INT64_MAX = 9223372036854775807n;

const DECIMAL_SHAPE = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Why `input` is not an acceptable decimal string under `rules`, phrased to follow a field
 * name ("must have at most 8 decimal places"), or null when it is acceptable.
 *
 * Exact rules: a string of ASCII digits with an optional single point and digits after it;
 * no whitespace, no leading `+`, no exponent, no leading zeros ("01"), no bare point ("1.",
 * ".5"); at most `places` decimals (trailing zeros count: "1.000000000" has 9); a `-` only
 * when the sign rule allows it; the value in minor units must fit a signed 64-bit integer.
 */
export function decimalProblem(input: unknown, rules: DecimalRules): string | null {
  return analyse(input, rules).problem;
}

/**
 * Parses a decimal string into minor units (`places` decimals), exactly, never through a JS
 * number. Throws a ValidationFailedError naming `field` (a 400 at the API) when refused.
 *
 * parseDecimal("0.00012345", { places: 8 }) === 12345n
 */
export function parseDecimal(input: unknown, rules: DecimalRules, field = 'value'): bigint {
  const result = analyse(input, rules);
  if (result.problem !== null) throw new ValidationFailedError(field, result.problem);
  return result.value;
}

/**
 * Formats minor units as a decimal string with exactly `places` decimals
 * (formatDecimal(12500000n, 6) === "12.500000"); negative values get a leading "-".
 */
export function formatDecimal(value: bigint, places: number): string {
  assertPlaces(places);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places);
  return `${negative ? '-' : ''}${whole}${places > 0 ? `.${fraction}` : ''}`;
}

function analyse(input: unknown, rules: DecimalRules): { problem: string; value: 0n } | { problem: null; value: bigint } {
  assertPlaces(rules.places);
  const sign = rules.sign ?? 'non-negative';
  const refuse = (problem: string) => ({ problem, value: 0n as const });
  if (typeof input !== 'string') return refuse('must be a decimal string');
  if (input.length === 0) return refuse('must be a decimal string, not empty');
  if (/\s/.test(input)) return refuse('must not contain whitespace');
  if (input.startsWith('+')) return refuse('must not have a leading +');
  if (/[eE]/.test(input)) return refuse('must not use exponent notation');
  const match = DECIMAL_SHAPE.exec(input);
  if (!match) {
    if (/^-?0[0-9]/.test(input)) return refuse('must not have leading zeros');
    return refuse('must be a decimal string such as "12.5"');
  }
  const [, minus, whole, fraction = ''] = match;
  if (fraction.length > rules.places) {
    return refuse(rules.places === 0 ? 'must be a whole number' : `must have at most ${rules.places} decimal places`);
  }
  if (minus && sign !== 'any') return refuse('must not be negative');
  const int64 = rules.int64 ?? true;
  // An int64 has at most 19 digits: refuse longer input before building a huge bigint.
  if (whole.length > (int64 ? 19 : 40)) return refuse('is too large');
  const magnitude = BigInt(whole) * 10n ** BigInt(rules.places) + BigInt(fraction.padEnd(rules.places, '0') || '0');
  if (int64 && magnitude > INT64_MAX) return refuse('is too large');
  if (sign === 'positive' && magnitude === 0n) return refuse('must be greater than zero');
  return { problem: null, value: minus ? -magnitude : magnitude };
}

function assertPlaces(places: number): void {
  if (!Number.isInteger(places) || places < 0 || places > 18) throw new RangeError(`decimal places must be an integer 0..18, got ${places}`);
}
