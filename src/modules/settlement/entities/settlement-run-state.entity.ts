import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn, DecimalColumn } from '../../../common/money/columns.js';

/**
 * The carried state (arrears, undelivered hash rate) a run leaves for a contract, written by
 * its chunks and moved into contract_settlement_states by the transaction that completes the
 * run. Until then nothing the run computed is in force, so an attempt that fails leaves the
 * state as the previous day left it, and its retry starts from there. Replaced when a run is
 * planned again; removed when it is applied.
 */
@Entity('settlement_run_states')
@Check('ck_settlement_run_states_arrears', 'arrears_micro_usd >= 0')
@Check('ck_settlement_run_states_since', '(arrears_micro_usd = 0) = (arrears_since IS NULL)')
export class SettlementRunState {
  @PrimaryColumn({ type: 'bigint', name: 'run_id' })
  runId: string;

  @PrimaryColumn({ type: 'uuid', name: 'contract_id' })
  contractId: string;

  @Column({ type: 'uuid', name: 'customer_id' })
  customerId: string;

  @BigIntColumn({ name: 'arrears_micro_usd' })
  arrearsMicroUsd: bigint;

  @Column({ type: 'date', name: 'arrears_since', nullable: true })
  arrearsSince: string | null;

  @DecimalColumn(40, 0, { name: 'undelivered_ghs_ppm_days' })
  undeliveredGhsPpmDays: string;

  @Column({ type: 'integer', name: 'extension_days' })
  extensionDays: number;
}
