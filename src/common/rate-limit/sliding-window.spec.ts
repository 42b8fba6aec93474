import fc from 'fast-check';
import { allows, previousWeight, retryAfterMs, windowPosition } from './sliding-window.js';

const W = 60_000;

describe('sliding window', () => {
  it('places a time in its fixed window', () => {
    expect(windowPosition(125_000, W)).toEqual({ index: 2, elapsedMs: 5_000 });
    expect(windowPosition(120_000, W)).toEqual({ index: 2, elapsedMs: 0 });
  });

  it('weighs the previous window by how much of it still overlaps', () => {
    expect(previousWeight(0, W)).toBe(1);
    expect(previousWeight(15_000, W)).toBe(0.75);
  });

  it('allows up to the limit within one window, then refuses', () => {
    expect(allows({ current: 9, previous: 0 }, 10, 30_000, W)).toBe(true);
    expect(allows({ current: 10, previous: 0 }, 10, 30_000, W)).toBe(false);
  });

  it('does not allow a double burst across a window boundary', () => {
    // 10 hits just before the boundary: right after it they still count almost fully
    expect(allows({ current: 0, previous: 10 }, 10, 1_000, W)).toBe(false);
    // half-way through, half of them count: 5 + 4 + 1 = 10 is allowed, 5 + 5 + 1 is not
    expect(allows({ current: 4, previous: 10 }, 10, 30_000, W)).toBe(true);
    expect(allows({ current: 5, previous: 10 }, 10, 30_000, W)).toBe(false);
  });

  it('says how long to wait while the previous window decays', () => {
    // previous 10, current 5, limit 10: need 10 * (1 - f) + 6 <= 10 -> f >= 0.6 -> 36 s; at 30 s wait 6 s
    expect(retryAfterMs({ current: 5, previous: 10 }, 10, 30_000, W)).toBe(6_000);
  });

  it('says how long to wait when the current window is full', () => {
    // current 10, limit 10: rest of this window (20 s), then 10 * (1 - f') + 1 <= 10 -> f' >= 0.1 -> 6 s
    expect(retryAfterMs({ current: 10, previous: 0 }, 10, 40_000, W)).toBe(26_000);
    // limit 1: the whole next window must pass
    expect(retryAfterMs({ current: 1, previous: 0 }, 1, 0, W)).toBe(2 * W);
  });

  it('is 0 when a hit is allowed, and waiting that long does allow one (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: W - 1 }),
        (limit, current, previous, elapsed) => {
          const counts = { current, previous };
          const wait = retryAfterMs(counts, limit, elapsed, W);
          if (allows(counts, limit, elapsed, W)) return wait === 0;
          // 1 ms of slack for floating-point rounding of the weights
          const at = elapsed + wait + 1;
          if (at < W) return allows(counts, limit, at, W) && !allows(counts, limit, at - 3, W);
          return allows({ current: 0, previous: current }, limit, at - W, W);
        },
      ),
    );
  });
});
