import fc from 'fast-check';
import { formatScaled, ghsToThs, parseScaled, thsToGhs } from './decimal-units.js';

describe('decimal units', () => {
  it('parses TH/s with up to 3 places into GH/s exactly', () => {
    expect(parseScaled('12.345', 3)).toBe(12_345n);
    expect(parseScaled('12.3', 3)).toBe(12_300n);
    expect(parseScaled('0', 3)).toBe(0n);
    expect(parseScaled('0.001', 3)).toBe(1n);
  });

  it.each(['12.3456', '-1', '+1', ' 1', '1 ', '1e3', '01', '1.', '.5', '', '0x10', 'NaN', '1,5', '9223372036854775.808'])('refuses %j', (value) => {
    expect(parseScaled(value, 3)).toBeNull();
  });

  it('accepts the largest int64 and nothing above it', () => {
    expect(parseScaled('9223372036854775.807', 3)).toBe(9_223_372_036_854_775_807n);
    expect(parseScaled('9223372036854775808', 0)).toBeNull();
    expect(parseScaled('9223372036854775808', 0, { unbounded: true })).toBe(9_223_372_036_854_775_808n);
  });

  it('names the field when it refuses', () => {
    expect(() => thsToGhs('0', 'hashrate')).toThrow('hashrate must be greater than zero');
    expect(() => thsToGhs('1.2345', 'hashrate')).toThrow('hashrate must be a decimal string with at most 3 decimal places');
  });

  it('round-trips any GH/s value through its TH/s string', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 9_223_372_036_854_775_807n }), (ghs) => {
        expect(parseScaled(ghsToThs(ghs), 3)).toBe(ghs);
      }),
    );
    expect(formatScaled(-1_500n, 3)).toBe('-1.500');
    expect(formatScaled(7n, 0)).toBe('7');
  });
});
