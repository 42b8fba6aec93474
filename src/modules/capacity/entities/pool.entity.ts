import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const PAYOUT_SCHEMES = ['FPPS', 'PPS+', 'PPLNS'] as const;
export type PayoutScheme = (typeof PAYOUT_SCHEMES)[number];

/**
 * A pool account. Its payout address and stratum endpoint decide where customers' output goes:
 * they change only through an approved, delayed routing change request.
 */
@Entity('pools')
@Index('uq_pools_name', ['name'], { unique: true })
@Check('ck_pools_payout_scheme', `payout_scheme IN ('FPPS', 'PPS+', 'PPLNS')`)
@Check('ck_pools_fee_bps', 'fee_bps BETWEEN 0 AND 10000')
export class Pool {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', name: 'stratum_endpoint' })
  stratumEndpoint: string;

  @Column({ type: 'text', name: 'payout_scheme' })
  payoutScheme: PayoutScheme;

  @Column({ type: 'integer', name: 'fee_bps' })
  feeBps: number;

  @Column({ type: 'text', name: 'payout_address' })
  payoutAddress: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
