/**
 * A small seeded generator (mulberry32) so a simulation with the same seed makes the same
 * choices. Only for choosing what happens (who buys what, noise factors); money is never a
 * float: factors become integer parts per million before they touch sats.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One of the items, by weight. */
  weighted<T>(items: readonly { value: T; weight: number }[]): T {
    const total = items.reduce((s, i) => s + i.weight, 0);
    let x = this.next() * total;
    for (const item of items) {
      x -= item.weight;
      if (x < 0) return item.value;
    }
    return items[items.length - 1].value;
  }

  /** A child generator, so adding draws to one part of the simulation does not shift another's. */
  fork(salt: number): Random {
    return new Random((Math.imul(this.state ^ salt, 0x9e3779b1) + salt) >>> 0);
  }
}

/** A factor (e.g. 0.983) as parts per million, clamped to [min, max]. */
export function toPpm(factor: number, minPpm: number, maxPpm: number): bigint {
  const ppm = Math.round(factor * 1_000_000);
  return BigInt(Math.min(maxPpm, Math.max(minPpm, ppm)));
}
