import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn, DecimalColumn } from '../../../common/money/columns.js';

export const RUN_STATUSES = ['waiting', 'overdue', 'pending', 'running', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * One settlement of one (pool, day): seq 0 is the day itself, seq n > 0 the n-th adjustment
 * after an earnings correction. Postgres, not the queue, decides what is done: this row's
 * status, the chunk rows and the unique (day, contract, seq) settlements.
 *
 * Status: waiting (earnings or price not recorded yet), overdue (still waiting after the grace
 * period: alerted), pending (inputs present, to be prepared), running (prepared: the split
 * parameters below are fixed, chunks in flight), completed, failed (a domain error; finance
 * re-triggers it after fixing the input).
 */
@Entity('settlement_runs')
@Index('uq_settlement_runs_pool_day_seq', ['poolId', 'day', 'seq'], { unique: true })
@Index('idx_settlement_runs_open', ['day'], { where: `status <> 'completed'` })
@Index('idx_settlement_runs_day', ['day', 'poolId'])
// Runs of a pool carry state from one to the next: one of them at a time may be running.
@Index('uq_settlement_runs_running_pool', ['poolId'], { unique: true, where: `status = 'running'` })
@Check('ck_settlement_runs_status', `status IN ('waiting', 'overdue', 'pending', 'running', 'completed', 'failed')`)
@Check('ck_settlement_runs_seq', 'seq >= 0')
@Check('ck_settlement_runs_prepared', `status NOT IN ('running', 'completed') OR prepared_at IS NOT NULL`)
export class SettlementRun {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'uuid', name: 'pool_id' })
  poolId: string;

  /** UTC day, 'YYYY-MM-DD'. */
  @Column({ type: 'date' })
  day: string;

  @Column({ type: 'smallint', default: 0 })
  seq: number;

  @Column({ type: 'text' })
  status: RunStatus;

  /**
   * Bumped when a failed run is planned again: its jobs get fresh ids, and its settlement rows
   * (contract_settlements.attempt) are told apart from those of the attempt that failed.
   */
  @Column({ type: 'integer', default: 1 })
  attempt: number;

  /** The day flow (settlement_days.generation) this run was prepared into. */
  @Column({ type: 'integer', nullable: true })
  generation: number | null;

  /** Why a waiting/overdue/pending run is not running yet, in words. */
  @Column({ type: 'text', name: 'waiting_reason', nullable: true })
  waitingReason: string | null;

  /** Sats split by this run: the day's earnings (seq 0) or the correction's difference. */
  @BigIntColumn({ name: 'earnings_sats', nullable: true })
  earningsSats: bigint | null;

  /** The pool_earnings revision this run settled up to. */
  @Column({ type: 'integer', name: 'earnings_revision', nullable: true })
  earningsRevision: number | null;

  @DecimalColumn(24, 8, { name: 'btc_usd', nullable: true })
  btcUsd: string | null;

  @BigIntColumn({ name: 'sold_ghs', nullable: true })
  soldGhs: bigint | null;

  @BigIntColumn({ name: 'online_ghs', nullable: true })
  onlineGhs: bigint | null;

  @BigIntColumn({ name: 'delivered_ghs', nullable: true })
  deliveredGhs: bigint | null;

  @Column({ type: 'integer', name: 'ratio_ppm', nullable: true })
  ratioPpm: number | null;

  @DecimalColumn(40, 0, { name: 'house_weight', nullable: true })
  houseWeight: string | null;

  @DecimalColumn(40, 0, { name: 'total_weight', nullable: true })
  totalWeight: string | null;

  @BigIntColumn({ name: 'leftover_sats', nullable: true })
  leftoverSats: bigint | null;

  /** The largest-remainder threshold (remainder, kind 0 house / 1 contract, contract id). */
  @DecimalColumn(40, 0, { name: 'threshold_rem', nullable: true })
  thresholdRem: string | null;

  @Column({ type: 'smallint', name: 'threshold_kind', nullable: true })
  thresholdKind: number | null;

  @Column({ type: 'uuid', name: 'threshold_contract_id', nullable: true })
  thresholdContractId: string | null;

  @Column({ type: 'integer', name: 'contract_count', default: 0 })
  contractCount: number;

  @Column({ type: 'integer', name: 'chunk_count', default: 0 })
  chunkCount: number;

  @Column({ type: 'integer', name: 'chunks_done', default: 0 })
  chunksDone: number;

  /** The house's planned share (floor plus its extra sat, if any): checked against earnings - sum(gross). */
  @BigIntColumn({ name: 'house_planned_sats', nullable: true })
  housePlannedSats: bigint | null;

  @BigIntColumn({ name: 'gross_sats', default: 0 })
  grossSats: bigint;

  @BigIntColumn({ name: 'house_sats', default: 0 })
  houseSats: bigint;

  @BigIntColumn({ name: 'electricity_fee_sats', default: 0 })
  electricityFeeSats: bigint;

  @BigIntColumn({ name: 'electricity_fee_micro_usd', default: 0 })
  electricityFeeMicroUsd: bigint;

  @BigIntColumn({ name: 'management_fee_sats', default: 0 })
  managementFeeSats: bigint;

  @BigIntColumn({ name: 'arrears_collected_sats', default: 0 })
  arrearsCollectedSats: bigint;

  @BigIntColumn({ name: 'net_sats', default: 0 })
  netSats: bigint;

  @BigIntColumn({ name: 'arrears_cleared_micro_usd', default: 0 })
  arrearsClearedMicroUsd: bigint;

  @BigIntColumn({ name: 'arrears_added_micro_usd', default: 0 })
  arrearsAddedMicroUsd: bigint;

  @BigIntColumn({ name: 'arrears_collected_usd_micro_usd', default: 0 })
  arrearsCollectedUsdMicroUsd: bigint;

  @Column({ type: 'integer', name: 'paused_count', default: 0 })
  pausedCount: number;

  @Column({ type: 'integer', name: 'arrears_count', default: 0 })
  arrearsCount: number;

  @Column({ type: 'integer', name: 'extended_count', default: 0 })
  extendedCount: number;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'text', name: 'triggered_by' })
  triggeredBy: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;

  @Column({ type: 'timestamptz', name: 'prepared_at', nullable: true })
  preparedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'started_at', nullable: true })
  startedAt: Date | null;

  /**
   * When the finalizer began crediting customers for the current attempt. From then on the
   * attempt's numbers are final: a failure is resumed under the same attempt, never planned again.
   */
  @Column({ type: 'timestamptz', name: 'credits_started_at', nullable: true })
  creditsStartedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'ledger_posted_at', nullable: true })
  ledgerPostedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'completed_at', nullable: true })
  completedAt: Date | null;

  @Column({ type: 'integer', name: 'duration_ms', nullable: true })
  durationMs: number | null;
}
