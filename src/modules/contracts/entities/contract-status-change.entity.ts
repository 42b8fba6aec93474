import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Contract, type ContractStatus } from './contract.entity.js';

/** Every transition of a contract with its time and reason (the first row is the purchase). */
@Entity('contract_status_changes')
@Index('idx_contract_status_changes_contract', ['contractId', 'id'])
@Check('ck_contract_status_changes_to', `to_status IN ('pending', 'active', 'paused', 'completed', 'cancelled', 'terminated')`)
export class ContractStatusChange {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'uuid', name: 'contract_id' })
  contractId: string;

  @ManyToOne(() => Contract, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'contract_id' })
  contract?: Contract;

  @Column({ type: 'text', name: 'from_status', nullable: true })
  fromStatus: ContractStatus | null;

  @Column({ type: 'text', name: 'to_status' })
  toStatus: ContractStatus;

  @Column({ type: 'timestamptz', name: 'changed_at' })
  changedAt: Date;

  /** Null when the system made the transition (the daily lifecycle job). */
  @Column({ type: 'uuid', name: 'actor_id', nullable: true })
  actorId: string | null;

  @Column({ type: 'text' })
  reason: string;
}
