import { expectedSatsPerDayRatio } from '../../market/yield-math.js';
import { poolDayEarnings, type PoolDayInput } from './earnings-model.js';
import { Random } from './random.js';

const day: Omit<PoolDayInput, 'scheme'> = {
  deliveredGhs: 1_000_000n, // 1,000 TH/s
  difficulty: '85968906725001.12',
  blockSubsidySats: 625_000_000n,
  avgFeesPerBlockSats: 18_750_000n,
  feeBps: 250,
};

describe('poolDayEarnings', () => {
  it('expects the FPPS output after the pool fee, rounded down once', () => {
    // 1,000 TH/s at 2024-04-19's difficulty: 150,636.32... sats before the fee (see the market history test);
    // after 2.5%: floor(150,636.32... x 0.975) = floor(146,870.41...) = 146,870.
    const r = expectedSatsPerDayRatio(1_000_000n, day.difficulty, 643_750_000n);
    expect((r.num * 9_750n) / (r.den * 10_000n)).toBe(146_870n);
    expect(poolDayEarnings({ ...day, scheme: 'FPPS' }, new Random(1)).expectedSats).toBe(146_870n);
  });

  it('keeps FPPS within 1.5% of the expectation, PPS+ varies only its fee part, PPLNS shows luck', () => {
    const rng = new Random(42);
    const factors = { FPPS: [] as bigint[], 'PPS+': [] as bigint[], PPLNS: [] as bigint[] };
    for (let i = 0; i < 400; i++)
      for (const scheme of ['FPPS', 'PPS+', 'PPLNS'] as const) factors[scheme].push(poolDayEarnings({ ...day, scheme }, rng).factorPpm);
    const range = (xs: bigint[]) => [xs.reduce((a, b) => (a < b ? a : b)), xs.reduce((a, b) => (a > b ? a : b))];
    const [fMin, fMax] = range(factors.FPPS);
    expect(fMin).toBeGreaterThanOrEqual(985_000n);
    expect(fMax).toBeLessThanOrEqual(1_015_000n);
    // PPS+: the subsidy (97.1% of the reward) is paid exactly; fees between 30% and 200% of expected.
    const [pMin, pMax] = range(factors['PPS+']);
    expect(pMin).toBeGreaterThanOrEqual(970_000n);
    expect(pMax).toBeLessThanOrEqual(1_030_000n);
    const [lMin, lMax] = range(factors.PPLNS);
    expect(lMin).toBeLessThan(900_000n);
    expect(lMax).toBeGreaterThan(1_100_000n);
  });

  it('is deterministic for a seed and pays nothing for nothing delivered', () => {
    const a = poolDayEarnings({ ...day, scheme: 'PPLNS' }, new Random(7));
    const b = poolDayEarnings({ ...day, scheme: 'PPLNS' }, new Random(7));
    expect(a).toEqual(b);
    expect(poolDayEarnings({ ...day, deliveredGhs: 0n, scheme: 'FPPS' }, new Random(7))).toEqual({ expectedSats: 0n, earningsSats: 0n, factorPpm: 1_000_000n });
  });
});
