import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn, DecimalColumn } from '../../../common/money/columns.js';

/** Network difficulty for a UTC day with the block reward that goes with it (subsidy and average fees). */
@Entity('network_difficulty')
@Check('ck_network_difficulty_positive', 'difficulty > 0')
@Check('ck_network_difficulty_subsidy', 'block_subsidy_sats >= 0')
@Check('ck_network_difficulty_fees', 'avg_fees_per_block_sats >= 0')
export class NetworkDifficulty {
  /** UTC day, 'YYYY-MM-DD'. */
  @PrimaryColumn({ type: 'date' })
  day: string;

  @DecimalColumn(40, 8)
  difficulty: string;

  @BigIntColumn({ name: 'block_subsidy_sats' })
  blockSubsidySats: bigint;

  @BigIntColumn({ name: 'avg_fees_per_block_sats' })
  avgFeesPerBlockSats: bigint;

  @Column({ type: 'uuid', name: 'recorded_by', nullable: true })
  recordedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;
}
