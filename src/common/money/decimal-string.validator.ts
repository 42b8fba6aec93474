import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { type DecimalRules, decimalProblem } from './decimal.js';
import { CURRENCY_PLACES, isCurrency, TH_PLACES } from './units.js';

/**
 * DTO field holding an exact decimal string ("0.00012345", "12.5"); the 400 names the field
 * and says what is wrong ("amount must have at most 8 decimal places"). Keep the DTO field a
 * string and convert it with parseDecimal / parseBtc / parseUsd / parseThs in the service.
 *
 *   @IsDecimalString({ places: 3, sign: 'positive' }) hashrateThs: string;
 */
export function IsDecimalString(rules: DecimalRules, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDecimalString',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [rules],
      options,
      validator: {
        validate: (value: unknown) => decimalProblem(value, rules) === null,
        defaultMessage: (args: ValidationArguments) => `${args.property} ${decimalProblem(args.value, rules) ?? 'is invalid'}`,
      },
    });
}

/** A TH/s hash rate: up to 3 decimals, positive (GH/s is the stored unit). */
export const IsThsString = (options?: ValidationOptions) => IsDecimalString({ places: TH_PLACES, sign: 'positive' }, options);

/**
 * An amount whose decimals depend on a sibling currency field (8 for BTC, 6 for USD).
 * When the currency itself is invalid, only the currency field reports an error.
 *
 *   @IsIn(CURRENCIES) currency: Currency;
 *   @IsAmountString('currency', { sign: 'positive' }) amount: string;
 */
export function IsAmountString(currencyProperty: string, rules: Omit<DecimalRules, 'places'> = {}, options?: ValidationOptions): PropertyDecorator {
  const rulesFor = (object: object): DecimalRules | undefined => {
    const currency = (object as Record<string, unknown>)[currencyProperty];
    return isCurrency(currency) ? { ...rules, places: CURRENCY_PLACES[currency] } : undefined;
  };
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAmountString',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [currencyProperty],
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const resolved = rulesFor(args.object);
          // Without a valid currency, still refuse anything that is not a decimal at all.
          return resolved ? decimalProblem(value, resolved) === null : decimalProblem(value, { ...rules, places: 18 }) === null;
        },
        defaultMessage: (args: ValidationArguments) => {
          const resolved = rulesFor(args.object) ?? { ...rules, places: 18 };
          return `${args.property} ${decimalProblem(args.value, resolved) ?? 'is invalid'}`;
        },
      },
    });
}

/** A whole number of minor units as a string ("123456789" sats), non-negative, within int64. */
export const IsIntegerString = (rules: { positive?: boolean } = {}, options?: ValidationOptions) =>
  IsDecimalString({ places: 0, sign: rules.positive ? 'positive' : 'non-negative' }, options);
