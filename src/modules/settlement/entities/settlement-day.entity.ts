import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';

/**
 * The day's summary across pools, written by the day's flow parent (and refreshed by later
 * adjustments). `generation` numbers the flows started for the day, so each gets its own job ids.
 */
@Entity('settlement_days')
export class SettlementDay {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @Column({ type: 'integer', default: 0 })
  generation: number;

  @Column({ type: 'integer', name: 'runs_total', default: 0 })
  runsTotal: number;

  @Column({ type: 'integer', name: 'runs_completed', default: 0 })
  runsCompleted: number;

  @Column({ type: 'integer', default: 0 })
  contracts: number;

  @BigIntColumn({ name: 'earnings_sats', default: 0 })
  earningsSats: bigint;

  @BigIntColumn({ name: 'net_sats', default: 0 })
  netSats: bigint;

  @Column({ type: 'timestamptz', name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'completed_at', nullable: true })
  completedAt: Date | null;

  @Column({ type: 'integer', name: 'duration_ms', nullable: true })
  durationMs: number | null;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
