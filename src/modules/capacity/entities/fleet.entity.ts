import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { MinerModel } from './miner-model.entity.js';
import { Pool } from './pool.entity.js';
import { Site } from './site.entity.js';

export const FLEET_STATUSES = ['online', 'offline', 'maintenance'] as const;
export type FleetStatus = (typeof FLEET_STATUSES)[number];

/** N units of one model at one site, pointed at one pool. Online fleets make the capacity. */
@Entity('fleets')
@Index('uq_fleets_name', ['name'], { unique: true })
@Index('idx_fleets_pool', ['poolId'])
@Index('idx_fleets_site', ['siteId'])
@Index('idx_fleets_model', ['minerModelId'])
@Check('ck_fleets_unit_count_positive', 'unit_count > 0')
@Check('ck_fleets_status', `status IN ('online', 'offline', 'maintenance')`)
export class Fleet {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'uuid', name: 'site_id' })
  siteId: string;

  @ManyToOne(() => Site, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id' })
  site?: Site;

  @Column({ type: 'uuid', name: 'miner_model_id' })
  minerModelId: string;

  @ManyToOne(() => MinerModel, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'miner_model_id' })
  minerModel?: MinerModel;

  @Column({ type: 'uuid', name: 'pool_id' })
  poolId: string;

  @ManyToOne(() => Pool, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'pool_id' })
  pool?: Pool;

  @Column({ type: 'integer', name: 'unit_count' })
  unitCount: number;

  @Column({ type: 'text' })
  status: FleetStatus;

  @Column({ type: 'timestamptz', name: 'status_changed_at' })
  statusChangedAt: Date;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
