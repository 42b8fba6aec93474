import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { BigIntColumn, DecimalColumn } from '../../../common/money/columns.js';

/**
 * What settlement carries from one day to the next for a contract: outstanding electricity
 * arrears (micro-USD) and undelivered hash rate below the uptime guarantee. Only contracts
 * with something to carry have a row; changed by the transaction that completes a run (staged in
 * settlement_run_states until then).
 */
@Entity('contract_settlement_states')
@Index('idx_contract_settlement_states_arrears', ['poolId', 'arrearsSince'], { where: 'arrears_micro_usd > 0' })
@Check('ck_contract_settlement_states_arrears', 'arrears_micro_usd >= 0')
@Check('ck_contract_settlement_states_since', '(arrears_micro_usd = 0) = (arrears_since IS NULL)')
@Check('ck_contract_settlement_states_undelivered', 'undelivered_ghs_ppm_days >= 0')
@Check('ck_contract_settlement_states_extension', 'extension_days >= 0')
export class ContractSettlementState {
  @PrimaryColumn({ type: 'uuid', name: 'contract_id' })
  contractId: string;

  @Column({ type: 'uuid', name: 'customer_id' })
  customerId: string;

  @Column({ type: 'uuid', name: 'pool_id' })
  poolId: string;

  @BigIntColumn({ name: 'arrears_micro_usd', default: 0 })
  arrearsMicroUsd: bigint;

  /** Day of the oldest arrears still outstanding. */
  @Column({ type: 'date', name: 'arrears_since', nullable: true })
  arrearsSince: string | null;

  /** Undelivered hash rate on days below the guarantee: GH/s x (1e6 - ratio ppm), summed over days. */
  @DecimalColumn(40, 0, { name: 'undelivered_ghs_ppm_days', default: 0 })
  undeliveredGhsPpmDays: string;

  /**
   * The contract's arrears grace days (a term fixed at purchase), copied with its first state:
   * whether it is paused on a day is decided from this row alone.
   */
  @Column({ type: 'integer', name: 'arrears_grace_days' })
  arrearsGraceDays: number;

  /** Whole days the contract's end day has been extended by. */
  @Column({ type: 'integer', name: 'extension_days', default: 0 })
  extensionDays: number;

  /** Last day (seq 0) whose settlement changed this row. */
  @Column({ type: 'date', name: 'last_day' })
  lastDay: string;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
