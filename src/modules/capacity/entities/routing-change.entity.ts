import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Fleet } from './fleet.entity.js';
import { Pool } from './pool.entity.js';

export const ROUTING_CHANGE_KINDS = ['pool_payout_address', 'pool_stratum_endpoint', 'fleet_pool'] as const;
export type RoutingChangeKind = (typeof ROUTING_CHANGE_KINDS)[number];
export const ROUTING_CHANGE_STATUSES = ['requested', 'approved', 'applied', 'cancelled'] as const;
export type RoutingChangeStatus = (typeof ROUTING_CHANGE_STATUSES)[number];

/**
 * A guarded change of where hash rate points or where a pool pays: requested by one staff user,
 * approved by another, applied only once `effective_at` has passed, cancellable until then.
 * The database refuses self-approval and a second open change for the same setting.
 */
@Entity('routing_change_requests')
@Index('uq_routing_change_requests_open_target', ['targetKey'], { unique: true, where: `status IN ('requested', 'approved')` })
@Index('idx_routing_change_requests_due', ['effectiveAt'], { where: `status = 'approved'` })
@Index('idx_routing_change_requests_pool', ['poolId', 'requestedAt'])
@Index('idx_routing_change_requests_fleet', ['fleetId', 'requestedAt'])
@Check('ck_routing_change_requests_kind', `kind IN ('pool_payout_address', 'pool_stratum_endpoint', 'fleet_pool')`)
@Check('ck_routing_change_requests_status', `status IN ('requested', 'approved', 'applied', 'cancelled')`)
@Check(
  'ck_routing_change_requests_target',
  `(kind = 'fleet_pool' AND fleet_id IS NOT NULL AND to_pool_id IS NOT NULL) OR (kind <> 'fleet_pool' AND pool_id IS NOT NULL AND fleet_id IS NULL AND to_pool_id IS NULL)`,
)
@Check('ck_routing_change_requests_four_eyes', 'approved_by IS NULL OR approved_by <> requested_by')
@Check('ck_routing_change_requests_approved', `status NOT IN ('approved', 'applied') OR (approved_by IS NOT NULL AND effective_at IS NOT NULL)`)
export class RoutingChange {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  kind: RoutingChangeKind;

  /** Stable key of the setting changed (`pool:<id>:payout_address`, `fleet:<id>:pool`): one open change per key. */
  @Column({ type: 'text', name: 'target_key' })
  targetKey: string;

  /** The pool whose setting changes, or the fleet's pool when the request was made. */
  @Column({ type: 'uuid', name: 'pool_id', nullable: true })
  poolId: string | null;

  @ManyToOne(() => Pool, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'pool_id' })
  pool?: Pool;

  @Column({ type: 'uuid', name: 'fleet_id', nullable: true })
  fleetId: string | null;

  @ManyToOne(() => Fleet, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'fleet_id' })
  fleet?: Fleet;

  /** For fleet moves: the pool the fleet will point at. */
  @Column({ type: 'uuid', name: 'to_pool_id', nullable: true })
  toPoolId: string | null;

  @ManyToOne(() => Pool, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'to_pool_id' })
  toPool?: Pool;

  @Column({ type: 'text', name: 'old_value' })
  oldValue: string;

  @Column({ type: 'text', name: 'new_value' })
  newValue: string;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'text' })
  status: RoutingChangeStatus;

  @Column({ type: 'uuid', name: 'requested_by' })
  requestedBy: string;

  @Column({ type: 'timestamptz', name: 'requested_at' })
  requestedAt: Date;

  @Column({ type: 'uuid', name: 'approved_by', nullable: true })
  approvedBy: string | null;

  @Column({ type: 'timestamptz', name: 'approved_at', nullable: true })
  approvedAt: Date | null;

  /** approved_at + CAPACITY_CHANGE_DELAY_HOURS: not applied before. */
  @Column({ type: 'timestamptz', name: 'effective_at', nullable: true })
  effectiveAt: Date | null;

  @Column({ type: 'timestamptz', name: 'applied_at', nullable: true })
  appliedAt: Date | null;

  @Column({ type: 'uuid', name: 'cancelled_by', nullable: true })
  cancelledBy: string | null;

  @Column({ type: 'timestamptz', name: 'cancelled_at', nullable: true })
  cancelledAt: Date | null;

  @Column({ type: 'text', name: 'cancel_reason', nullable: true })
  cancelReason: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
