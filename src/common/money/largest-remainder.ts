/** A stable key that orders totally: contract ids (uuid strings or bigint ids), account codes. */
export type SplitKey = string | number | bigint;

export interface Weighted<K extends SplitKey> {
  key: K;
  /** Integer weight (e.g. GH/s x delivery ratio in ppm); never negative. */
  weight: bigint;
}

export interface Share<K extends SplitKey> {
  key: K;
  amount: bigint;
}

/**
 * Splits `total` (minor units, >= 0) among `weights` with the largest-remainder (Hamilton)
 * method. Guarantees, for any input:
 * - the parts sum to `total` exactly, and none is negative;
 * - each part is floor(total x w / W) or one more (W = sum of weights);
 * - the units left after flooring go one each to the largest remainders, ties to the
 *   smallest key (strings by UTF-16 code units, numbers and bigints numerically), so the
 *   result depends only on the key -> weight pairs, never on their order in the input.
 * A zero weight gets zero. A zero total gives zeros. When every weight is zero (or there are
 * none), a zero total gives zeros and a non-zero total throws: there is no one to give it to,
 * and silently dropping it would lose money, so the caller must decide (e.g. the house).
 * Keys must be unique and of one type.
 *
 * Returns one share per input, in input order. The same rule in SQL, for set-based callers:
 * floor = total*w/W; rank rows by (total*w % W) DESC, key ASC; the first total - sum(floor) get +1.
 */
export function splitByLargestRemainder<K extends SplitKey>(total: bigint, weights: readonly Weighted<K>[]): Share<K>[] {
  if (total < 0n) throw new RangeError('splitByLargestRemainder: total must not be negative');
  let weightSum = 0n;
  for (const { weight } of weights) {
    if (weight < 0n) throw new RangeError('splitByLargestRemainder: weights must not be negative');
    weightSum += weight;
  }
  assertUniqueKeys(weights);
  if (weightSum === 0n) {
    if (total !== 0n) throw new RangeError(`splitByLargestRemainder: cannot split ${total} when every weight is zero`);
    return weights.map(({ key }) => ({ key, amount: 0n }));
  }

  const floors = new Array<bigint>(weights.length);
  const remainders = new Array<bigint>(weights.length);
  let allocated = 0n;
  weights.forEach(({ weight }, i) => {
    const product = total * weight;
    floors[i] = product / weightSum;
    remainders[i] = product % weightSum;
    allocated += floors[i];
  });

  // Fewer than weights.length units are left over; they go to the largest remainders.
  let leftover = total - allocated;
  if (leftover > 0n) {
    const order = weights.map((_, i) => i).filter((i) => remainders[i] > 0n);
    order.sort((a, b) => (remainders[a] === remainders[b] ? compareKeys(weights[a].key, weights[b].key) : remainders[a] > remainders[b] ? -1 : 1));
    for (const i of order) {
      if (leftover === 0n) break;
      floors[i] += 1n;
      leftover -= 1n;
    }
  }
  return weights.map(({ key }, i) => ({ key, amount: floors[i] }));
}

/** Total order on split keys; mixing key types is a programming error. */
export function compareKeys(a: SplitKey, b: SplitKey): number {
  if (typeof a !== typeof b) throw new TypeError('splitByLargestRemainder: keys must all be of one type');
  return a < b ? -1 : a > b ? 1 : 0;
}

function assertUniqueKeys(weights: readonly Weighted<SplitKey>[]): void {
  const seen = new Set<SplitKey>();
  let type: string | undefined;
  for (const { key } of weights) {
    type ??= typeof key;
    if (typeof key !== type) throw new TypeError('splitByLargestRemainder: keys must all be of one type');
    if (seen.has(key)) throw new RangeError(`splitByLargestRemainder: duplicate key ${String(key)}`);
    seen.add(key);
  }
}
