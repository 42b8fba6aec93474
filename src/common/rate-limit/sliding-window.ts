/**
 * Sliding-window rate limiting from two fixed-window counters (the current and the previous
 * window): the previous window counts in proportion to how much of it still overlaps the
 * last `windowMs`. Unlike a plain fixed window it allows no double burst at a boundary, and it
 * needs two integers per subject instead of a log of every hit.
 */
export interface WindowCounts {
  current: number;
  previous: number;
}

export interface WindowPosition {
  /** Index of the fixed window `now` falls in. */
  index: number;
  /** Milliseconds since that window started. */
  elapsedMs: number;
}

export function windowPosition(nowMs: number, windowMs: number): WindowPosition {
  const index = Math.floor(nowMs / windowMs);
  return { index, elapsedMs: nowMs - index * windowMs };
}

/** Share of the previous window that still lies inside the sliding window (1 at a boundary, 0 at the end). */
export function previousWeight(elapsedMs: number, windowMs: number): number {
  return 1 - elapsedMs / windowMs;
}

/** Would one more hit stay within `limit`? (The Redis script applies the same rule atomically.) */
export function allows(counts: WindowCounts, limit: number, elapsedMs: number, windowMs: number): boolean {
  return counts.previous * previousWeight(elapsedMs, windowMs) + counts.current + 1 <= limit;
}

/**
 * Milliseconds until one more hit is allowed, assuming no other hits meanwhile: while still
 * in this window (the previous window's share decays), or else in the next one (this window
 * becomes the previous and decays in turn).
 */
export function retryAfterMs(counts: WindowCounts, limit: number, elapsedMs: number, windowMs: number): number {
  if (allows(counts, limit, elapsedMs, windowMs)) return 0;
  if (counts.current + 1 <= limit) {
    // previous * (1 - f) + current + 1 <= limit  <=>  f >= 1 - (limit - 1 - current) / previous
    const needed = 1 - (limit - 1 - counts.current) / counts.previous;
    return Math.max(0, Math.ceil(needed * windowMs - elapsedMs));
  }
  // Next window: current * (1 - f') + 1 <= limit  <=>  f' >= 1 - (limit - 1) / current
  const neededNext = Math.max(0, 1 - (limit - 1) / counts.current);
  return Math.ceil(windowMs - elapsedMs + neededNext * windowMs);
}
