const LIMIT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A bigint figure (sats, micro-USD, basis points) as the float64 Prometheus stores. Metrics are
 * reporting, never money: the ledger keeps the exact amount. Every figure up to 2^53 - 1
 * (90 million BTC in sats, 9 billion USD in micro-USD) converts exactly; beyond that the value
 * is clamped, so a gauge reads as pinned instead of silently rounded, and a scrape never throws.
 */
export function metricValue(value: bigint): number {
  if (value > LIMIT) return Number.MAX_SAFE_INTEGER;
  if (value < -LIMIT) return -Number.MAX_SAFE_INTEGER;
  return Number(value);
}
