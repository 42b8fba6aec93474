import fc from 'fast-check';
import { ValidationFailedError } from '../errors/domain-error.js';
import { decimalProblem, formatDecimal, INT64_MAX, parseDecimal } from './decimal.js';
import { formatBtc, formatThs, formatUsd, parseAmount, parseBtc, parseThs, parseUsd } from './units.js';

const int64 = fc.bigInt({ min: -INT64_MAX, max: INT64_MAX });
const nonNegative = fc.bigInt({ min: 0n, max: INT64_MAX });
const places = fc.integer({ min: 0, max: 12 });

describe('parseDecimal / formatDecimal', () => {
  it('parses the documented examples exactly', () => {
    expect(parseBtc('0.00012345')).toBe(12345n);
    expect(parseBtc('21000000')).toBe(2_100_000_000_000_000n);
    expect(parseUsd('12.5')).toBe(12_500_000n);
    expect(parseUsd('0')).toBe(0n);
    expect(parseThs('12.5')).toBe(12_500n);
    expect(parseThs('0.001')).toBe(1n);
    expect(parseAmount('BTC', '1')).toBe(100_000_000n);
    expect(formatUsd(12_500_000n)).toBe('12.500000');
    expect(formatBtc(12345n)).toBe('0.00012345');
    expect(formatBtc(-1n)).toBe('-0.00000001');
    expect(formatThs(12_500n)).toBe('12.500');
    expect(formatDecimal(42n, 0)).toBe('42');
  });

  it.each([
    ['1.123456789', 'must have at most 8 decimal places'],
    ['1.000000000', 'must have at most 8 decimal places'],
    ['-1', 'must not be negative'],
    ['1e5', 'must not use exponent notation'],
    ['1E-8', 'must not use exponent notation'],
    ['+1', 'must not have a leading +'],
    [' 1', 'must not contain whitespace'],
    ['1 ', 'must not contain whitespace'],
    ['1\n', 'must not contain whitespace'],
    ['', 'must be a decimal string, not empty'],
    ['01', 'must not have leading zeros'],
    ['00.5', 'must not have leading zeros'],
    ['.5', 'must be a decimal string such as "12.5"'],
    ['1.', 'must be a decimal string such as "12.5"'],
    ['1,5', 'must be a decimal string such as "12.5"'],
    ['0x10', 'must be a decimal string such as "12.5"'],
    ['Infinity', 'must be a decimal string such as "12.5"'],
    ['NaN', 'must be a decimal string such as "12.5"'],
    ['１', 'must be a decimal string such as "12.5"'],
    ['92233720368.54775808', 'is too large'],
    ['99999999999999999999999999', 'is too large'],
  ])('refuses %j for BTC: %s', (input, problem) => {
    expect(decimalProblem(input, { places: 8 })).toBe(problem);
    expect(() => parseBtc(input, 'amount')).toThrow(`amount ${problem}`);
  });

  it('refuses non-strings and names the field in a 400-mapped error', () => {
    for (const value of [12.5, 1n, null, undefined, {}, ['1']]) {
      expect(decimalProblem(value, { places: 6 })).toBe('must be a decimal string');
    }
    const error = (() => {
      try {
        parseUsd('1.1234567', 'priceUsd');
      } catch (e) {
        return e;
      }
    })() as ValidationFailedError;
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect(error.kind).toBe('validation');
    expect(error.details).toEqual({ field: 'priceUsd' });
    expect(error.message).toBe('priceUsd must have at most 6 decimal places');
  });

  it('applies the sign rule: positive refuses zero, any allows a minus', () => {
    expect(decimalProblem('0', { places: 6, sign: 'positive' })).toBe('must be greater than zero');
    expect(decimalProblem('0.000000', { places: 6, sign: 'positive' })).toBe('must be greater than zero');
    expect(decimalProblem('0.000001', { places: 6, sign: 'positive' })).toBeNull();
    expect(parseDecimal('-2.5', { places: 2, sign: 'any' })).toBe(-250n);
    expect(decimalProblem('-2.5', { places: 2, sign: 'positive' })).toBe('must not be negative');
  });

  it('accepts the int64 bounds in minor units and nothing beyond', () => {
    expect(parseBtc('92233720368.54775807')).toBe(INT64_MAX);
    expect(parseDecimal('-92233720368.54775807', { places: 8, sign: 'any' })).toBe(-INT64_MAX);
    expect(decimalProblem('9223372036854775808', { places: 0 })).toBe('is too large');
    expect(decimalProblem('9223372036854.775808', { places: 6 })).toBe('is too large');
  });

  it('round-trips every int64 through format and parse', () => {
    fc.assert(
      fc.property(int64, places, (value, p) => {
        const text = formatDecimal(value, p);
        expect(parseDecimal(text, { places: p, sign: 'any' })).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses canonical strings with fewer decimals to the same value as their padded form', () => {
    fc.assert(
      fc.property(nonNegative, fc.integer({ min: 1, max: 12 }), (value, p) => {
        const padded = formatDecimal(value, p);
        const trimmed = padded.replace(/\.?0+$/, '') || '0';
        expect(parseDecimal(trimmed, { places: p })).toBe(value);
        expect(formatDecimal(parseDecimal(trimmed, { places: p }), p)).toBe(padded);
      }),
    );
  });

  it('never accepts a string with more decimals than allowed, whatever the digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,5}\.[0-9]{7,12}$/), (text) => {
        expect(decimalProblem(text.replace(/^0+(?=[0-9])/, ''), { places: 6 })).not.toBeNull();
      }),
    );
  });

  it('never throws anything but a field-naming validation error on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          const value = parseDecimal(text, { places: 8, sign: 'any' }, 'amount');
          expect(value <= INT64_MAX && value >= -INT64_MAX).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationFailedError);
          expect((error as Error).message.startsWith('amount ')).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
