import fc from 'fast-check';
import { expectedSatsPerDayRatio, expectedSatsPerThDay } from './yield-math.js';

describe('expected yield', () => {
  it('matches the hand-worked value for difficulty 10^14 and a 3.325 BTC reward', () => {
    // 86,400 x 10^12 x 332,500,000 / (10^14 x 4,294,967,296)
    //   = 86,400 x 3,325,000 / 4,294,967,296 = 287,280,000,000 / 4,294,967,296 = 66.888... -> 66 sats
    expect(expectedSatsPerThDay('100000000000000', 332_500_000n)).toBe(66n);
  });

  it('uses the difficulty decimals exactly', () => {
    // difficulty 2^32 / 10 = 429,496,729.6: 86,400 x 10^12 x 1 x 10 / (4,294,967,296 x 4,294,967,296)
    //   = 864 x 10^15 / 18,446,744,073,709,551,616 = 0.0468... -> 0
    expect(expectedSatsPerThDay('429496729.6', 1n)).toBe(0n);
    // difficulty 1, reward 1 sat: 86,400 x 10^12 / 2^32 = 20,116,567.46... -> 20,116,567
    expect(expectedSatsPerThDay('1', 1n)).toBe(20_116_567n);
    expect(expectedSatsPerThDay('1.0', 1n)).toBe(20_116_567n);
  });

  it('is linear in hash rate before rounding and never rounds up', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        (ghs, difficulty, reward) => {
          const one = expectedSatsPerDayRatio(ghs, difficulty.toString(), reward);
          const two = expectedSatsPerDayRatio(2n * ghs, difficulty.toString(), reward);
          expect(two.num * one.den).toBe(2n * one.num * two.den);
          const perTh = expectedSatsPerThDay(difficulty.toString(), reward);
          const exact = expectedSatsPerDayRatio(1000n, difficulty.toString(), reward);
          expect(perTh * exact.den <= exact.num).toBe(true);
          expect((perTh + 1n) * exact.den > exact.num).toBe(true);
        },
      ),
    );
  });
});
