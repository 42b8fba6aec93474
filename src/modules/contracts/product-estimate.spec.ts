import fc from 'fast-check';
import { estimateProduct, type EstimateInput } from './product-estimate.js';

const base: EstimateInput = {
  hashrateGhs: 100_000n, // 100 TH/s
  difficulty: '100000000000000', // 10^14
  rewardSats: 332_500_000n, // 3.125 BTC subsidy + 0.2 BTC fees
  btcPriceUsd: '100000.00',
  poolFeeBps: 200, // 2 %
  managementFeeBps: 1000, // 10 %
  electricityFeeMicroUsdPerThDay: 20_000n, // 0.02 USD per TH/s per day
  upfrontPriceMicroUsdPerTh: 10_000_000n, // 10 USD per TH/s
  termDays: 365,
};

describe('product estimate at fixed figures (worked by hand)', () => {
  it('gives the exact daily figures, recovery days and shutdown price', () => {
    const e = estimateProduct(base);
    // expected = 10^14 H/s x 86,400 s x 332,500,000 sats / (10^14 x 2^32)
    //          = 28,728,000,000,000 / 4,294,967,296 = 6,688.7587...      -> 6,688 sats
    expect(e.expectedSatsPerDay).toBe(6_688n);
    // gross = expected x 9,800 / 10,000 = 6,554.9835...                    -> 6,554 sats
    expect(e.grossSatsPerDay).toBe(6_554n);
    // management = 6,554 x 10 % = 655.4, rounded up                        -> 656 sats
    expect(e.managementFeeSatsPerDay).toBe(656n);
    // electricity = 0.02 USD x 100 TH/s = 2.000000 USD; at 100,000 USD/BTC = 0.00002 BTC -> 2,000 sats
    expect(e.electricityFeeMicroUsdPerDay).toBe(2_000_000n);
    expect(e.electricityFeeSatsPerDay).toBe(2_000n);
    // net = 6,554 - 656 - 2,000 = 3,898 sats = 3,898 x 100,000 / 10^8 = 3.898000 USD
    expect(e.netSatsPerDay).toBe(3_898n);
    expect(e.netMicroUsdPerDay).toBe(3_898_000n);
    // upfront = 10 USD x 100 TH/s = 1,000 USD; 1,000 / 3.898 = 256.54... days -> 257
    expect(e.upfrontMicroUsd).toBe(1_000_000_000n);
    expect(e.daysToRecoverUpfront).toBe(257n);
    expect(e.netSatsOverTerm).toBe(3_898n * 365n);
    // shutdown: 2 USD = (6,554 - 656) sats x P / 10^8  =>  P = 2 x 10^8 / 5,898 = 33,909.79993... USD -> 33,909.80
    expect(e.shutdownPriceCents).toBe(3_390_980n);
  });

  it('shows a negative net and no recovery when fees exceed the output', () => {
    // same output, price 50,000 and fee 0.06 USD: electricity 6 USD = 12,000 sats > 6,554 gross
    const e = estimateProduct({ ...base, btcPriceUsd: '50000', electricityFeeMicroUsdPerThDay: 60_000n });
    expect(e.electricityFeeSatsPerDay).toBe(12_000n);
    // 6,554 - 656 - 12,000 = -6,102 sats = -3.051 USD
    expect(e.netSatsPerDay).toBe(-6_102n);
    expect(e.netMicroUsdPerDay).toBe(-3_051_000n);
    expect(e.daysToRecoverUpfront).toBeNull();
    // 6 USD x 10^8 / 5,898 sats = 101,729.399... USD -> 101,729.40
    expect(e.shutdownPriceCents).toBe(10_172_940n);
  });

  it('rounds a fractional hash rate and price exactly', () => {
    // 0.001 TH/s = 1 GH/s; expected 0.06688... sats -> 0; electricity 0.02 x 0.001 = 0.00002 USD = 20 micro
    const e = estimateProduct({ ...base, hashrateGhs: 1n, btcPriceUsd: '65432.1' });
    expect(e.grossSatsPerDay).toBe(0n);
    expect(e.electricityFeeMicroUsdPerDay).toBe(20n);
    // 20 micro-USD x 100 / 65,432.1 = 0.0305... sats -> 1 sat (fees round up)
    expect(e.electricityFeeSatsPerDay).toBe(1n);
    expect(e.netSatsPerDay).toBe(-1n);
    // upfront 10 USD x 0.001 = 0.01 USD
    expect(e.upfrontMicroUsd).toBe(10_000n);
    expect(e.shutdownPriceCents).toBeNull();
  });

  it('never overstates: net is at most the unrounded net, for any inputs', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 8n }),
        fc.bigInt({ min: 10n ** 6n, max: 10n ** 15n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.bigInt({ min: 0n, max: 10n ** 6n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        (ghs, difficulty, poolFeeBps, managementFeeBps, fee, priceCents) => {
          const price = `${priceCents / 100n}.${(priceCents % 100n).toString().padStart(2, '0')}`;
          const e = estimateProduct({
            ...base,
            hashrateGhs: ghs,
            difficulty: difficulty.toString(),
            poolFeeBps,
            managementFeeBps,
            electricityFeeMicroUsdPerThDay: fee,
            btcPriceUsd: price,
          });
          expect(e.grossSatsPerDay <= e.expectedSatsPerDay).toBe(true);
          expect(e.managementFeeSatsPerDay <= e.grossSatsPerDay).toBe(true);
          expect(e.netSatsPerDay).toBe(e.grossSatsPerDay - e.managementFeeSatsPerDay - e.electricityFeeSatsPerDay);
          // electricity in sats is at least the exact conversion: sats x price >= micro x 100
          expect(e.electricityFeeSatsPerDay * priceCents >= e.electricityFeeMicroUsdPerDay * 100n * 100n).toBe(true);
          if (e.shutdownPriceCents !== null) {
            // at the shutdown price the output left after the management fee covers the electricity fee
            const left = e.grossSatsPerDay - e.managementFeeSatsPerDay;
            expect(left * e.shutdownPriceCents >= e.electricityFeeMicroUsdPerDay * 10_000n).toBe(true);
            if (e.shutdownPriceCents > 0n) expect(left * (e.shutdownPriceCents - 1n) < e.electricityFeeMicroUsdPerDay * 10_000n).toBe(true);
          }
        },
      ),
    );
  });
});
