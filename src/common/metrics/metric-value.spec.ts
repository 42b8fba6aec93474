import { metricValue } from './metric-value.js';

describe('metricValue', () => {
  it('converts figures up to 2^53 - 1 exactly, in both signs', () => {
    expect(metricValue(0n)).toBe(0);
    expect(metricValue(2_100_000_000_000_000n)).toBe(2_100_000_000_000_000); // 21 million BTC in sats
    expect(metricValue(-123_456_789n)).toBe(-123_456_789);
    expect(metricValue(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('clamps beyond the float64 integer range instead of rounding', () => {
    expect(metricValue(BigInt(Number.MAX_SAFE_INTEGER) + 2n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(metricValue(-(2n ** 63n))).toBe(-Number.MAX_SAFE_INTEGER);
  });
});
