import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';

/**
 * One customer-id range of a run (all contracts of those customers), settled in one
 * transaction. Its row lock serializes two workers that got the same chunk; `done` is set in
 * the transaction that wrote its settlements, together with what each of its customers is owed.
 */
@Entity('settlement_chunks')
@Check('ck_settlement_chunks_status', `status IN ('pending', 'done')`)
@Check('ck_settlement_chunks_range', 'id_from <= id_to')
@Check(
  'ck_settlement_chunks_customer_arrays',
  'cardinality(customer_ids) = cardinality(customer_net_sats) AND cardinality(customer_ids) = cardinality(customer_arrears_delta_micro_usd)',
)
// The finalizer credits a done chunk's customers from its arrays alone: a done chunk has them.
@Check('ck_settlement_chunks_done_kept', `status <> 'done' OR customer_ids IS NOT NULL`)
export class SettlementChunk {
  @PrimaryColumn({ type: 'bigint', name: 'run_id' })
  runId: string;

  @PrimaryColumn({ type: 'integer', name: 'chunk_no' })
  chunkNo: number;

  /** First and last customer id of the range, inclusive. */
  @Column({ type: 'uuid', name: 'id_from' })
  idFrom: string;

  @Column({ type: 'uuid', name: 'id_to' })
  idTo: string;

  @Column({ type: 'text', default: 'pending' })
  status: 'pending' | 'done';

  @Column({ type: 'integer', name: 'contract_count', default: 0 })
  contractCount: number;

  @BigIntColumn({ name: 'gross_sats', default: 0 })
  grossSats: bigint;

  @BigIntColumn({ name: 'net_sats', default: 0 })
  netSats: bigint;

  /** The chunk's totals as written (sats and micro-USD as decimal strings), summed by the finalizer. */
  @Column({ type: 'jsonb', nullable: true })
  totals: Record<string, string | number> | null;

  /**
   * Per customer of the range with something to post, ordered by customer id (three parallel
   * arrays): the net sats the run credits and the change of their USD arrears (micro-USD).
   * Written with the settlements, read by the finalizer, so it need not sum the day's rows again.
   */
  @Column({ type: 'uuid', name: 'customer_ids', array: true, nullable: true })
  customerIds: string[] | null;

  @Column({ type: 'bigint', name: 'customer_net_sats', array: true, nullable: true })
  customerNetSats: string[] | null;

  @Column({ type: 'bigint', name: 'customer_arrears_delta_micro_usd', array: true, nullable: true })
  customerArrearsDeltaMicroUsd: string[] | null;

  @Column({ type: 'timestamptz', name: 'done_at', nullable: true })
  doneAt: Date | null;
}
