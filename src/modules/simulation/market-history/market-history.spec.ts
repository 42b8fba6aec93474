import { bundledMarketHistoryPath, modelledFeesPerBlockSats } from './market-history.js';

describe('modelledFeesPerBlockSats', () => {
  it('is the subsidy share in basis points, rounded down', () => {
    expect(modelledFeesPerBlockSats(625_000_000n, 300)).toBe(18_750_000n);
    expect(modelledFeesPerBlockSats(312_500_000n, 300)).toBe(9_375_000n);
    expect(modelledFeesPerBlockSats(312_500_001n, 1)).toBe(31_250n);
    expect(modelledFeesPerBlockSats(1n, 9_999)).toBe(0n);
    expect(modelledFeesPerBlockSats(5_000_000_000n, 0)).toBe(0n);
  });

  it('refuses a share outside 0..10000 bps', () => {
    expect(() => modelledFeesPerBlockSats(1n, -1)).toThrow(RangeError);
    expect(() => modelledFeesPerBlockSats(1n, 10_001)).toThrow(RangeError);
    expect(() => modelledFeesPerBlockSats(1n, 1.5)).toThrow(RangeError);
  });

  it('finds the bundled file from the source tree', () => {
    expect(bundledMarketHistoryPath()).toMatch(/data\/market\/btc-daily\.csv$/);
  });
});
