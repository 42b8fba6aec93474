import { ValidateBy, type ValidationOptions } from 'class-validator';
import { ValidationFailedError } from '../../../common/errors/domain-error.js';

/**
 * Exact decimal strings <-> scaled bigint (TH/s <-> GH/s, USD <-> micro-USD). Hash rate and
 * money never pass through a JS number: "12.345" TH/s is 12345n GH/s, "0.5" USD is 500000n.
 */

export const INT64_MAX = 9_223_372_036_854_775_807n;
export const THS_PLACES = 3;
export const USD_PLACES = 6;

const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * Parses a plain non-negative decimal with at most `places` places; null when malformed or, unless
 * `unbounded` (values that are never stored as bigint, such as network difficulty), beyond int64.
 */
export function parseScaled(value: string, places: number, options: { unbounded?: boolean } = {}): bigint | null {
  if (typeof value !== 'string' || value.length > 60 || !DECIMAL.test(value)) return null;
  const [whole, fraction = ''] = value.split('.');
  if (fraction.length > places) return null;
  const scaled = BigInt(whole) * 10n ** BigInt(places) + BigInt(fraction.padEnd(places, '0') || '0');
  return scaled > INT64_MAX && !options.unbounded ? null : scaled;
}

/** Formats a scaled integer with exactly `places` places ("12.300"); negative values keep their sign. */
export function formatScaled(value: bigint, places: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const unit = 10n ** BigInt(places);
  const whole = (abs / unit).toString();
  const fraction = places > 0 ? `.${(abs % unit).toString().padStart(places, '0')}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Parses or throws a 400 naming the field. */
export function parseScaledField(value: string, places: number, field: string, options: { positive?: boolean } = {}): bigint {
  const parsed = parseScaled(value, places);
  if (parsed === null) throw new ValidationFailedError(field, `must be a decimal string with at most ${places} decimal places`);
  if (options.positive && parsed === 0n) throw new ValidationFailedError(field, 'must be greater than zero');
  return parsed;
}

export const thsToGhs = (value: string, field: string, options: { positive?: boolean } = { positive: true }) =>
  parseScaledField(value, THS_PLACES, field, options);
export const ghsToThs = (ghs: bigint) => formatScaled(ghs, THS_PLACES);
export const usdToMicro = (value: string, field: string, options: { positive?: boolean } = {}) =>
  parseScaledField(value, USD_PLACES, field, options);
export const microToUsd = (micro: bigint) => formatScaled(micro, USD_PLACES);

/**
 * DTO decorator: a decimal string with at most `places` places that fits an int64 once scaled;
 * `positive` also refuses zero. The message names the property.
 */
export function IsDecimalString(places: number, options: { positive?: boolean; unbounded?: boolean } = {}, validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDecimalString',
      constraints: [places, options.positive ?? false],
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const parsed = parseScaled(value, places, { unbounded: options.unbounded });
          return parsed !== null && (!options.positive || parsed > 0n);
        },
        defaultMessage: (args) =>
          `${args?.property} must be a ${options.positive ? 'positive ' : 'non-negative '}decimal string with at most ${places} decimal places (e.g. "${places > 0 ? `1.${'5'.padEnd(places, '0')}` : '1'}")`,
      },
    },
    validationOptions,
  );
}

/** A non-negative integer carried as a decimal string (sats), within int64. */
export function IsIntegerString(options: { positive?: boolean } = {}, validationOptions?: ValidationOptions): PropertyDecorator {
  return IsDecimalString(0, options, validationOptions);
}
