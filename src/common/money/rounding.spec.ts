import fc from 'fast-check';
import { applyBps, divide, microUsdToSats, satsToMicroUsd } from './rounding.js';

describe('rounding', () => {
  it.each([
    [7n, 2n, 'floor', 3n],
    [7n, 2n, 'ceil', 4n],
    [7n, 2n, 'half-up', 4n],
    [-7n, 2n, 'floor', -4n],
    [-7n, 2n, 'ceil', -3n],
    [-7n, 2n, 'half-up', -4n],
    [5n, 3n, 'half-up', 2n],
    [4n, 3n, 'half-up', 1n],
    [6n, 3n, 'floor', 2n],
    [7n, -2n, 'floor', -4n],
  ] as const)('divide(%s, %s, %s) = %s', (n, d, r, expected) => {
    expect(divide(n, d, r)).toBe(expected);
  });

  it('brackets the exact quotient: floor <= half-up <= ceil, within one unit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d) => {
        const floor = divide(n, d, 'floor');
        const ceil = divide(n, d, 'ceil');
        const half = divide(n, d, 'half-up');
        expect(floor * d <= n && n < (floor + 1n) * d).toBe(true);
        expect(ceil - floor).toBe(n % d === 0n ? 0n : 1n);
        expect(half === floor || half === ceil).toBe(true);
      }),
    );
  });

  it('applies basis points', () => {
    expect(applyBps(10_000n, 250, 'floor')).toBe(250n);
    expect(applyBps(333n, 1500n, 'floor')).toBe(49n);
    expect(applyBps(333n, 1500n, 'ceil')).toBe(50n);
  });

  it('converts between micro-USD and sats at a decimal price with the named rounding', () => {
    // $65,000.00 per BTC: $1 = 1538.46 sats.
    expect(microUsdToSats(1_000_000n, '65000', 'floor')).toBe(1538n);
    expect(microUsdToSats(1_000_000n, '65000.00', 'ceil')).toBe(1539n);
    expect(satsToMicroUsd(100_000_000n, '65000.12', 'floor')).toBe(65_000_120_000n);
    expect(satsToMicroUsd(1n, '65000', 'half-up')).toBe(650n);
    expect(() => microUsdToSats(1n, '0', 'floor')).toThrow('usdPerBtc must be greater than zero');
  });
});
