import fc from 'fast-check';
import { expectedEarningsRatio, judgeDay } from './reconciliation-expectation.js';

const TH_1000 = 1_000_000n; // GH/s
const HALVING_DIFFICULTY = '86388558925171.02';

describe('exact reconciliation expectation', () => {
  it('gives the published figures at 1,000 TH/s to the satoshi, without flooring per TH/s first', () => {
    const day = (difficulty: string, rewardSats: bigint) =>
      judgeDay(null, expectedEarningsRatio({ deliveredGhs: TH_1000, difficulty, rewardSats, poolFeeBps: 0 }), 500n).expectedSats;
    // 2021-10-24: fees 1.07% of the whole reward (6,759,325 sats on a 6.25 BTC subsidy)
    expect(day('20082460130830.84', 631_759_325n)).toBe(632_832n);
    expect(day('73197634206448', 625_000_000n)).toBe(171_765n);
    expect(day(HALVING_DIFFICULTY, 625_000_000n)).toBe(145_538n);
    // floor(72.769...) x 1,000 would be 72,000
    expect(day(HALVING_DIFFICULTY, 312_500_000n)).toBe(72_769n);
  });

  it('flags 5.5% short at a 500 bps threshold and not 4.5% short, with the variance from exact figures', () => {
    const expected = expectedEarningsRatio({ deliveredGhs: TH_1000, difficulty: HALVING_DIFFICULTY, rewardSats: 312_500_000n, poolFeeBps: 0 });
    expect(judgeDay(68_766n, expected, 500n)).toEqual({ expectedSats: 72_769n, variancePct: '-5.50', flagged: true });
    expect(judgeDay(69_494n, expected, 500n)).toEqual({ expectedSats: 72_769n, variancePct: '-4.50', flagged: false });
    expect(judgeDay(72_769n, expected, 500n)).toEqual({ expectedSats: 72_769n, variancePct: '0.00', flagged: false });
    expect(judgeDay(0n, expected, 500n)).toEqual({ expectedSats: 72_769n, variancePct: '-100.00', flagged: true });
  });

  it('applies the pool fee to the exact figure: 100 GH/s at difficulty 1, reward 1 sat, 2.5% fee', () => {
    // 100 x 10^9 x 86,400 x 1 x 9,750 / (1 x 2^32 x 10,000) = 1,961,365.342...
    const r = expectedEarningsRatio({ deliveredGhs: 100n, difficulty: '1', rewardSats: 1n, poolFeeBps: 250 });
    expect(r.num / r.den).toBe(1_961_365n);
    expect(judgeDay(1_961_366n, r, 0n)).toEqual({ expectedSats: 1_961_365n, variancePct: '0.00', flagged: false });
    // 1,961,365 sats is below the exact 1,961,365.342: short, however slightly
    expect(judgeDay(1_961_365n, r, 0n).flagged).toBe(true);
  });

  it('rounds the displayed variance half away from zero, on both sides', () => {
    const r = { num: 2_000n, den: 1n }; // 2,000 sats exactly
    expect(judgeDay(2_001n, r, 0n).variancePct).toBe('0.05'); // +0.05% exactly
    expect(judgeDay(1_999n, r, 0n).variancePct).toBe('-0.05');
    const third = { num: 3_000n, den: 1n };
    expect(judgeDay(3_001n, third, 0n).variancePct).toBe('0.03'); // 0.0333...%
    expect(judgeDay(2_999n, third, 0n).variancePct).toBe('-0.03');
    const eighth = { num: 8_000n, den: 1n };
    expect(judgeDay(8_001n, eighth, 0n).variancePct).toBe('0.01'); // 0.0125% -> 0.01
    expect(judgeDay(7_999n, eighth, 0n).variancePct).toBe('-0.01');
  });

  it('judges nothing when nothing is expected or nothing was earned', () => {
    const none = expectedEarningsRatio({ deliveredGhs: 0n, difficulty: HALVING_DIFFICULTY, rewardSats: 312_500_000n, poolFeeBps: 0 });
    expect(judgeDay(5n, none, 500n)).toEqual({ expectedSats: 0n, variancePct: null, flagged: false });
    const some = expectedEarningsRatio({ deliveredGhs: TH_1000, difficulty: HALVING_DIFFICULTY, rewardSats: 312_500_000n, poolFeeBps: 0 });
    expect(judgeDay(null, some, 500n)).toEqual({ expectedSats: 72_769n, variancePct: null, flagged: false });
  });

  it('flags exactly when earnings < expected x (1 - threshold), and never overstates the expectation', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        (ghs, difficulty, reward, feeBps, threshold, earnings) => {
          const r = expectedEarningsRatio({ deliveredGhs: ghs, difficulty: difficulty.toString(), rewardSats: reward, poolFeeBps: feeBps });
          const j = judgeDay(earnings, r, threshold);
          expect(j.expectedSats * r.den <= r.num).toBe(true);
          expect((j.expectedSats + 1n) * r.den > r.num).toBe(true);
          if (r.num === 0n) return expect(j.flagged).toBe(false);
          // earnings / E < (10,000 - t) / 10,000, with E = num / den
          expect(j.flagged).toBe(earnings * r.den * 10_000n < r.num * (10_000n - threshold));
          const [whole, fraction] = j.variancePct!.replace('-', '').split('.');
          expect(fraction).toHaveLength(2);
          expect(BigInt(whole) >= 0n).toBe(true);
        },
      ),
    );
  });
});
