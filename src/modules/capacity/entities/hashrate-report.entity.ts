import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';
import { Pool } from './pool.entity.js';

/**
 * A pool's delivered average hash rate and uptime for one UTC day (from the pool's statistics).
 * One row per (pool, day); a correction replaces the values, bumps the revision and is audited.
 */
@Entity('hashrate_reports')
@Check('ck_hashrate_reports_delivered', 'delivered_ghs >= 0')
@Check('ck_hashrate_reports_uptime', 'uptime_bps BETWEEN 0 AND 10000')
@Check('ck_hashrate_reports_revision', 'revision >= 1')
export class HashrateReport {
  @PrimaryColumn({ type: 'uuid', name: 'pool_id' })
  poolId: string;

  @ManyToOne(() => Pool, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'pool_id' })
  pool?: Pool;

  /** UTC day, 'YYYY-MM-DD'. */
  @PrimaryColumn({ type: 'date' })
  day: string;

  @BigIntColumn({ name: 'delivered_ghs' })
  deliveredGhs: bigint;

  @Column({ type: 'integer', name: 'uptime_bps' })
  uptimeBps: number;

  @Column({ type: 'integer', default: 1 })
  revision: number;

  @Column({ type: 'uuid', name: 'reported_by' })
  reportedBy: string;

  @Column({ type: 'timestamptz', name: 'reported_at' })
  reportedAt: Date;
}
