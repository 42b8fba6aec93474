import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';

/** An on-chain payment received from a pool: credits the platform wallet and clears the pool receivable. */
@Entity('pool_payouts')
@Index('uq_pool_payouts_outpoint', ['txid', 'vout'], { unique: true })
@Index('idx_pool_payouts_pool_received', ['poolId', 'receivedAt'])
@Check('ck_pool_payouts_amount', 'amount_sats > 0')
@Check('ck_pool_payouts_vout', 'vout >= 0')
@Check('ck_pool_payouts_txid', `txid ~ '^[0-9a-f]{64}$'`)
export class PoolPayout {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', name: 'pool_id' })
  poolId: string;

  /** Transaction id, 64 lowercase hex characters. */
  @Column({ type: 'text' })
  txid: string;

  @Column({ type: 'integer' })
  vout: number;

  @BigIntColumn({ name: 'amount_sats' })
  amountSats: bigint;

  @Column({ type: 'timestamptz', name: 'received_at' })
  receivedAt: Date;

  @Column({ type: 'uuid', name: 'recorded_by', nullable: true })
  recordedBy: string | null;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;
}
