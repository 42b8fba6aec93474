import { type DecimalSign, formatDecimal, parseDecimal } from './decimal.js';

/**
 * Units of money and hash rate. They are plain `bigint` aliases, not branded types: callers
 * do arithmetic on them all day and a brand would need a cast after every `+`. The unit is
 * carried by the name instead (`amountSats`, `feeMicroUsd`, `hashrateGhs`), as CONVENTIONS.md asks.
 */
export type Sats = bigint;
/** US dollars in millionths (6 decimals, like USDT): "12.500000" USD is 12_500_000n. */
export type MicroUsd = bigint;
/** Hash rate in GH/s; the API speaks TH/s with up to 3 decimals, so 1 GH/s is the exact unit. */
export type Ghs = bigint;

export const CURRENCIES = ['BTC', 'USD'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Decimals each currency carries at the API: its minor unit is 10^-places of a whole. */
export const CURRENCY_PLACES: Readonly<Record<Currency, number>> = { BTC: 8, USD: 6 };
export const SATS_PER_BTC = 100_000_000n;
export const TH_PLACES = 3;

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}

/** "0.00012345" -> 12345n sats. Throws a 400-mapped ValidationFailedError naming `field`. */
export function parseBtc(input: unknown, field = 'amount', sign: DecimalSign = 'non-negative'): Sats {
  return parseDecimal(input, { places: CURRENCY_PLACES.BTC, sign }, field);
}

/** 12345n sats -> "0.00012345". */
export function formatBtc(sats: Sats): string {
  return formatDecimal(sats, CURRENCY_PLACES.BTC);
}

/** "12.5" -> 12_500_000n micro-USD. Throws a 400-mapped ValidationFailedError naming `field`. */
export function parseUsd(input: unknown, field = 'amount', sign: DecimalSign = 'non-negative'): MicroUsd {
  return parseDecimal(input, { places: CURRENCY_PLACES.USD, sign }, field);
}

/** 12_500_000n micro-USD -> "12.500000". */
export function formatUsd(microUsd: MicroUsd): string {
  return formatDecimal(microUsd, CURRENCY_PLACES.USD);
}

/** Parses an amount in `currency`'s decimals into its minor unit (sats or micro-USD). */
export function parseAmount(currency: Currency, input: unknown, field = 'amount', sign: DecimalSign = 'non-negative'): bigint {
  return parseDecimal(input, { places: CURRENCY_PLACES[currency], sign }, field);
}

/** Formats minor units of `currency` with all its decimals ("0.00012345", "12.500000"). */
export function formatAmount(currency: Currency, minor: bigint): string {
  return formatDecimal(minor, CURRENCY_PLACES[currency]);
}

/** "12.5" TH/s -> 12_500n GH/s. Never negative; throws a 400-mapped error naming `field`. */
export function parseThs(input: unknown, field = 'hashrateThs', sign: Exclude<DecimalSign, 'any'> = 'positive'): Ghs {
  return parseDecimal(input, { places: TH_PLACES, sign }, field);
}

/** 12_500n GH/s -> "12.500" TH/s. */
export function formatThs(ghs: Ghs): string {
  return formatDecimal(ghs, TH_PLACES);
}
