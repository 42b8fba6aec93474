import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';

/**
 * A run's split, per (product, hash rate) group: computed once by the plan so that chunks
 * apply it with integer arithmetic only. Every contract of a group has the same weight, so
 * the same floor share and the same remainder; plus_rule says who of them gets the extra sat:
 * 2 all, 1 those with id <= the run's threshold contract, 0 none.
 */
@Entity('settlement_run_weights')
@Check('ck_settlement_run_weights_plus_rule', 'plus_rule IN (0, 1, 2)')
@Check('ck_settlement_run_weights_non_negative', 'base_sats >= 0 AND electricity_fee_micro_usd >= 0 AND electricity_fee_sats >= 0')
export class SettlementRunWeight {
  @PrimaryColumn({ type: 'bigint', name: 'run_id' })
  runId: string;

  @PrimaryColumn({ type: 'uuid', name: 'product_id' })
  productId: string;

  @PrimaryColumn({ type: 'bigint', name: 'hashrate_ghs' })
  hashrateGhs: string;

  @BigIntColumn({ name: 'base_sats' })
  baseSats: bigint;

  @Column({ type: 'smallint', name: 'plus_rule' })
  plusRule: number;

  @BigIntColumn({ name: 'electricity_fee_micro_usd' })
  electricityFeeMicroUsd: bigint;

  @BigIntColumn({ name: 'electricity_fee_sats' })
  electricityFeeSats: bigint;
}
