import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { BigIntColumn, DecimalColumn } from '../../../common/money/columns.js';

/** An ASIC model: nominal hash rate per unit and efficiency. */
@Entity('miner_models')
@Index('uq_miner_models_name', ['name'], { unique: true })
@Check('ck_miner_models_hashrate_positive', 'hashrate_ghs > 0')
@Check('ck_miner_models_efficiency_positive', 'efficiency_j_per_th > 0')
export class MinerModel {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** Nominal hash rate of one unit, GH/s. */
  @BigIntColumn({ name: 'hashrate_ghs' })
  hashrateGhs: bigint;

  /** Joules per terahash (= watts per TH/s). */
  @DecimalColumn(10, 3, { name: 'efficiency_j_per_th' })
  efficiencyJPerTh: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
