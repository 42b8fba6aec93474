import fc from 'fast-check';
import {
  applySplit,
  compareRank,
  deliveryRatioPpm,
  electricityFeeMicroUsd,
  houseWeight,
  microUsdToSatsHalfUp,
  planSplit,
  settleContractDay,
  type ContractDayState,
  type SplitPart,
} from './settlement-math.js';

type Part = SplitPart;

/** Textbook largest remainder: floor every share, then hand the leftover to the largest remainders. */
function referenceSplit(amount: bigint, parts: Part[]): Map<string, bigint> {
  const total = parts.reduce((s, p) => s + p.weight, 0n);
  const out = new Map<string, bigint>();
  if (total === 0n) {
    for (const p of parts) out.set(`${p.kind}:${p.id}`, 0n);
    return out;
  }
  const ranked = parts.map((p) => ({ p, base: (amount * p.weight) / total, rem: (amount * p.weight) % total }));
  let leftover = amount - ranked.reduce((s, r) => s + r.base, 0n);
  ranked.sort((a, b) => compareRank({ rem: a.rem, kind: a.p.kind, id: a.p.id }, { rem: b.rem, kind: b.p.kind, id: b.p.id }));
  for (const r of ranked) {
    out.set(`${r.p.kind}:${r.p.id}`, r.base + (leftover > 0n ? 1n : 0n));
    if (leftover > 0n) leftover -= 1n;
  }
  return out;
}

const partsArb = fc
  .uniqueArray(fc.bigInt({ min: 1n, max: 10_000_000n }), { minLength: 1, maxLength: 300 })
  .chain((ids) =>
    fc
      .tuple(
        fc.array(fc.bigInt({ min: 0n, max: 200_000_000_000n }), { minLength: ids.length, maxLength: ids.length }),
        fc.bigInt({ min: 0n, max: 10_000_000_000_000n }),
      )
      .map(([weights, house]) => [...ids.map((id, i) => ({ kind: 1 as const, id, weight: weights[i] })), { kind: 0 as const, id: 0n, weight: house }]),
  );

describe('largest remainder applied chunk-wise against a threshold', () => {
  it('gives every part exactly what the sort-based method gives, and the parts sum to the amount', () => {
    fc.assert(
      fc.property(partsArb, fc.oneof(fc.constant(0n), fc.constant(1n), fc.bigInt({ min: 0n, max: 5_000_000_000_000n })), (parts, amount) => {
        const plan = planSplit(amount, parts);
        const expected = referenceSplit(amount, parts);
        let sum = 0n;
        for (const p of parts) {
          const got = applySplit(amount, plan, p);
          expect(got).toBe(expected.get(`${p.kind}:${p.id}`));
          sum += got;
        }
        const totalWeight = parts.reduce((s, p) => s + p.weight, 0n);
        expect(sum).toBe(totalWeight === 0n ? 0n : amount);
      }),
      { numRuns: 300 },
    );
  });

  it('breaks equal remainders by contract id, smallest first, and the house loses ties', () => {
    const parts: Part[] = [
      { kind: 1, id: 9n, weight: 1n },
      { kind: 1, id: 5n, weight: 1n },
      { kind: 0, id: 0n, weight: 1n },
    ];
    const plan = planSplit(2n, parts);
    expect(parts.map((p) => applySplit(2n, plan, p))).toEqual([1n, 1n, 0n]);
    const one = planSplit(1n, parts);
    expect(parts.map((p) => applySplit(1n, one, p))).toEqual([0n, 1n, 0n]);
  });
});

describe('weights and fees', () => {
  it('caps the delivery ratio at one and floors it to the ppm', () => {
    expect(deliveryRatioPpm(null, 100n)).toBe(1_000_000n);
    expect(deliveryRatioPpm(150n, 100n)).toBe(1_000_000n);
    expect(deliveryRatioPpm(2n, 3n)).toBe(666_666n);
    expect(deliveryRatioPpm(0n, 3n)).toBe(0n);
    expect(deliveryRatioPpm(5n, 0n)).toBe(1_000_000n);
  });

  it('never gives the house a negative weight', () => {
    expect(houseWeight(100n, 150n)).toBe(0n);
    expect(houseWeight(150n, 100n)).toBe(50_000_000n);
  });

  it('charges electricity on delivered hash rate only, rounded half up to the micro-dollar', () => {
    // 100 TH/s at 50% delivery, 0.05 USD per TH/s per day = 2.5 USD
    expect(electricityFeeMicroUsd(100_000n, 500_000n, 50_000n)).toBe(2_500_000n);
    // 1 GH/s x 1 ppm x 500,000 micro-USD / 1e9 = 0.0005 -> 0 ; x 1,000,000 ppm = 500 -> 0.5 -> 1 (half up)
    expect(electricityFeeMicroUsd(1n, 1n, 500_000n)).toBe(0n);
    expect(electricityFeeMicroUsd(1n, 1_000n, 500_000n)).toBe(1n);
    // 2.5 USD at 50,000 USD/BTC = 5,000 sats
    expect(microUsdToSatsHalfUp(2_500_000n, 50_000_000_000n)).toBe(5_000n);
  });
});

describe('one contract-day', () => {
  const base = {
    day: 100,
    hashrateGhs: 100_000n,
    ratioPpm: 1_000_000n,
    feeMicroUsdPerThDay: 50_000n,
    managementFeeBps: 1_000n,
    uptimeGuaranteeBps: 9_500n,
    arrearsGraceDays: 3,
    priceMicroUsdPerBtc: 50_000_000_000n,
  };
  const clean: ContractDayState = { arrearsMicroUsd: 0n, arrearsSinceDay: null, undeliveredGhsPpmDays: 0n, extensionDays: 0n };

  it('nets gross minus electricity and management', () => {
    // electricity 5 USD = 10,000 sats; management 10% of 50,000 = 5,000
    const r = settleContractDay({ ...base, grossSats: 50_000n }, clean);
    expect([r.electricityFeeMicroUsd, r.electricityFeeSats, r.managementFeeSats, r.netSats, r.arrearsAddedMicroUsd]).toEqual([
      5_000_000n,
      10_000n,
      5_000n,
      35_000n,
      0n,
    ]);
  });

  it('records the uncovered electricity as arrears when gross does not cover it, and collects it from later output', () => {
    const short = settleContractDay({ ...base, grossSats: 4_000n }, clean);
    // 4,000 sats are worth 2 USD; 3 USD stay owed; no management fee is left to take
    expect([short.electricityFeeSats, short.managementFeeSats, short.netSats, short.arrearsAddedMicroUsd]).toEqual([4_000n, 0n, 0n, 3_000_000n]);
    expect(short.after).toMatchObject({ arrearsMicroUsd: 3_000_000n, arrearsSinceDay: 100 });
    const next = settleContractDay({ ...base, day: 101, grossSats: 50_000n }, short.after);
    // 35,000 sats net before arrears; 3 USD = 6,000 sats collected
    expect([next.arrearsCollectedSats, next.netSats]).toEqual([6_000n, 29_000n]);
    expect(next.after).toMatchObject({ arrearsMicroUsd: 0n, arrearsSinceDay: null });
  });

  it('pauses a contract whose arrears are older than the grace days: no fee, no yield', () => {
    const owing: ContractDayState = { ...clean, arrearsMicroUsd: 1n, arrearsSinceDay: 96 };
    expect(settleContractDay({ ...base, day: 99, grossSats: 0n }, owing).paused).toBe(false);
    const paused = settleContractDay({ ...base, day: 100, grossSats: 0n }, owing);
    expect(paused.paused).toBe(true);
    expect([paused.electricityFeeMicroUsd, paused.netSats]).toEqual([0n, 0n]);
  });

  it('accrues undelivered hash rate below the guarantee and extends by whole days', () => {
    let state = clean;
    const extensions: bigint[] = [];
    for (let day = 0; day < 4; day++) {
      state = settleContractDay({ ...base, day, ratioPpm: 600_000n, grossSats: 100_000n }, state).after;
      extensions.push(state.extensionDays);
    }
    // 0.4 of a day undelivered each day: whole days after the 3rd (1.2) and still 1 after the 4th (1.6)
    expect(extensions).toEqual([0n, 0n, 1n, 1n]);
    const fine = settleContractDay({ ...base, ratioPpm: 960_000n, grossSats: 100_000n }, clean);
    expect(fine.belowGuarantee).toBe(false);
  });

  it('always has net plus fees equal to gross', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10_000_000n }),
        fc.bigInt({ min: 0n, max: 50_000_000n }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        (gross, owed, bps) => {
          const r = settleContractDay(
            { ...base, grossSats: gross, managementFeeBps: bps },
            { ...clean, arrearsMicroUsd: owed, arrearsSinceDay: owed > 0n ? 99 : null },
          );
          expect(r.netSats + r.electricityFeeSats + r.managementFeeSats + r.arrearsCollectedSats).toBe(gross);
          expect(r.netSats >= 0n).toBe(true);
        },
      ),
    );
  });
});
