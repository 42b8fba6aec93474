import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Fleet, type FleetStatus } from './fleet.entity.js';

/** One status change of a fleet, with its time, who made it and why (the first row is its creation). */
@Entity('fleet_status_changes')
@Index('idx_fleet_status_changes_fleet', ['fleetId', 'id'])
@Check('ck_fleet_status_changes_to', `to_status IN ('online', 'offline', 'maintenance')`)
export class FleetStatusChange {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'uuid', name: 'fleet_id' })
  fleetId: string;

  @ManyToOne(() => Fleet, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'fleet_id' })
  fleet?: Fleet;

  /** Null on the row that records the fleet's creation. */
  @Column({ type: 'text', name: 'from_status', nullable: true })
  fromStatus: FleetStatus | null;

  @Column({ type: 'text', name: 'to_status' })
  toStatus: FleetStatus;

  @Column({ type: 'timestamptz', name: 'changed_at' })
  changedAt: Date;

  @Column({ type: 'uuid', name: 'changed_by', nullable: true })
  changedBy: string | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;
}
