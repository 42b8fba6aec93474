import fc from 'fast-check';
import { splitByLargestRemainder, type Weighted } from './largest-remainder.js';

const total = fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n });
const weightsArb = fc
  .uniqueArray(fc.record({ key: fc.string({ minLength: 1, maxLength: 6 }), weight: fc.bigInt({ min: 0n, max: 10n ** 15n }) }), {
    minLength: 1,
    maxLength: 40,
    selector: (w) => w.key,
  })
  .filter((ws) => ws.some((w) => w.weight > 0n));

const asMap = (shares: { key: string; amount: bigint }[]) => new Map(shares.map((s) => [s.key, s.amount]));

describe('splitByLargestRemainder', () => {
  it('splits a worked example, ties going to the smaller key', () => {
    const shares = splitByLargestRemainder(100n, [
      { key: 'c', weight: 1n },
      { key: 'a', weight: 1n },
      { key: 'b', weight: 1n },
    ]);
    // 33 each, one left over, equal remainders: the smallest key takes it.
    expect(shares).toEqual([
      { key: 'c', amount: 33n },
      { key: 'a', amount: 34n },
      { key: 'b', amount: 33n },
    ]);
  });

  it('gives the leftover to the largest remainder before any tie-break', () => {
    // 10 x 2/7 = 2.857, 10 x 5/7 = 7.142: floors 2 + 7 = 9, the one unit goes to 'z' (.857 > .142).
    expect(
      asMap(
        splitByLargestRemainder(10n, [
          { key: 'a', weight: 5n },
          { key: 'z', weight: 2n },
        ]),
      ),
    ).toEqual(
      new Map([
        ['a', 7n],
        ['z', 3n],
      ]),
    );
  });

  it('orders numeric and bigint keys numerically, not as text', () => {
    const shares = splitByLargestRemainder(1n, [
      { key: 10n, weight: 1n },
      { key: 9n, weight: 1n },
    ]);
    expect(shares).toEqual([
      { key: 10n, amount: 0n },
      { key: 9n, amount: 1n },
    ]);
  });

  it('parts always sum to the total, are never negative and stay within one unit of the exact share', () => {
    fc.assert(
      fc.property(total, weightsArb, (t, ws) => {
        const shares = splitByLargestRemainder(t, ws);
        const weightSum = ws.reduce((s, w) => s + w.weight, 0n);
        expect(shares.reduce((s, p) => s + p.amount, 0n)).toBe(t);
        shares.forEach((share, i) => {
          expect(share.key).toBe(ws[i].key);
          expect(share.amount >= 0n).toBe(true);
          const floor = (t * ws[i].weight) / weightSum;
          expect(share.amount === floor || share.amount === floor + 1n).toBe(true);
          if (ws[i].weight === 0n) expect(share.amount).toBe(0n);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('is stable under any permutation of the input', () => {
    fc.assert(
      fc.property(
        total,
        weightsArb.chain((ws) => fc.tuple(fc.constant(ws), fc.shuffledSubarray(ws, { minLength: ws.length, maxLength: ws.length }))),
        (t, [ws, shuffled]) => {
          expect(asMap(splitByLargestRemainder(t, shuffled))).toEqual(asMap(splitByLargestRemainder(t, ws)));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('gives zeros for a zero total', () => {
    fc.assert(
      fc.property(weightsArb, (ws) => {
        expect(splitByLargestRemainder(0n, ws).every((s) => s.amount === 0n)).toBe(true);
      }),
    );
  });

  it('with all-zero weights: zeros for a zero total, a refusal for anything else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, t) => {
        const zeros: Weighted<number>[] = Array.from({ length: n }, (_, i) => ({ key: i, weight: 0n }));
        expect(splitByLargestRemainder(0n, zeros)).toEqual(zeros.map((z) => ({ key: z.key, amount: 0n })));
        expect(() => splitByLargestRemainder(t, zeros)).toThrow('every weight is zero');
      }),
    );
  });

  it('refuses negative totals or weights, duplicate keys and mixed key types', () => {
    expect(() => splitByLargestRemainder(-1n, [{ key: 'a', weight: 1n }])).toThrow('total must not be negative');
    expect(() => splitByLargestRemainder(1n, [{ key: 'a', weight: -1n }])).toThrow('weights must not be negative');
    expect(() =>
      splitByLargestRemainder(1n, [
        { key: 'a', weight: 1n },
        { key: 'a', weight: 2n },
      ]),
    ).toThrow('duplicate key a');
    expect(() =>
      splitByLargestRemainder(1n, [
        { key: 'a', weight: 1n },
        { key: 1, weight: 2n },
      ] as Weighted<string | number>[]),
    ).toThrow('keys must all be of one type');
  });
});
