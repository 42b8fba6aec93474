import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';

/**
 * One contract-id range of a run, settled in one transaction. Its row lock serializes two
 * workers that got the same chunk; `done` is set in the transaction that wrote its settlements.
 */
@Entity('settlement_chunks')
@Check('ck_settlement_chunks_status', `status IN ('pending', 'done')`)
@Check('ck_settlement_chunks_range', 'id_from <= id_to')
export class SettlementChunk {
  @PrimaryColumn({ type: 'bigint', name: 'run_id' })
  runId: string;

  @PrimaryColumn({ type: 'integer', name: 'chunk_no' })
  chunkNo: number;

  /** First and last contract id of the range, inclusive. */
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

  @Column({ type: 'timestamptz', name: 'done_at', nullable: true })
  doneAt: Date | null;
}
