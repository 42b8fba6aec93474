import { assertJobId } from '../../common/queue/queue-names.js';

/** Deterministic BullMQ job ids (business keys, no ':'): a duplicate add of the same work is a no-op. */
export const compactDay = (day: string) => day.replaceAll('-', '');

export const dayJobId = (day: string) => assertJobId(`settle-day-${compactDay(day)}`);
export const summaryJobId = (day: string, generation: number) => assertJobId(`day-${compactDay(day)}-g${generation}`);
export const runJobId = (run: { poolId: string; day: string; seq: number; attempt: number }) =>
  assertJobId(`run-${run.poolId}-${compactDay(run.day)}-s${run.seq}-a${run.attempt}`);
export const chunkJobId = (run: { poolId: string; day: string; seq: number; attempt: number }, chunkNo: number) =>
  assertJobId(`chunk-${run.poolId}-${compactDay(run.day)}-s${run.seq}-a${run.attempt}-c${chunkNo}`);

/** Ledger idempotency keys of a run: one per (pool, day, seq) and part. */
export const ledgerKey = (run: { poolId: string; day: string; seq: number }, part: string) => `settlement:${run.poolId}:${run.day}:s${run.seq}:${part}`;

const UUID_SPACE = 1n << 128n;

function toUuid(value: bigint): string {
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Splits the whole uuid space into `count` contiguous ranges, so every contract id falls in
 * exactly one chunk whatever the ids are. Contract ids are random (v4) uuids, so the ranges
 * hold about the same number of contracts each.
 */
export function uuidRanges(count: number): { idFrom: string; idTo: string }[] {
  const n = BigInt(Math.max(1, count));
  return Array.from({ length: Number(n) }, (_, i) => ({
    idFrom: toUuid((UUID_SPACE * BigInt(i)) / n),
    idTo: toUuid((UUID_SPACE * BigInt(i + 1)) / n - 1n),
  }));
}
