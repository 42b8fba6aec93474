import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn, DecimalColumn } from '../../../common/money/columns.js';
import { Product } from './product.entity.js';

export const CONTRACT_STATUSES = ['pending', 'active', 'paused', 'completed', 'cancelled', 'terminated'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

/**
 * One purchase: a customer's hash rate on a product for [start_day, end_day] (UTC days), with
 * the product's terms copied at purchase so later product edits never change a sold contract.
 */
@Entity('contracts')
@Index('uq_contracts_customer_idempotency_key', ['customerId', 'idempotencyKey'], { unique: true })
@Index('idx_contracts_customer', ['customerId', 'createdAt', 'id'])
@Index('idx_contracts_product_status', ['productId', 'status'])
@Index('idx_contracts_pool_status', ['poolId', 'status'])
@Index('idx_contracts_lifecycle', ['status', 'startDay', 'endDay'])
@Check('ck_contracts_hashrate', 'hashrate_ghs > 0')
@Check('ck_contracts_term', 'term_days BETWEEN 1 AND 3650')
@Check('ck_contracts_days', 'end_day = start_day + term_days + extension_days - 1')
@Check('ck_contracts_extension', 'extension_days >= 0')
@Check('ck_contracts_status', `status IN ('pending', 'active', 'paused', 'completed', 'cancelled', 'terminated')`)
@Check('ck_contracts_price_paid', 'price_paid_micro_usd >= 0')
@Check('ck_contracts_management_fee', 'management_fee_bps BETWEEN 0 AND 10000')
@Check('ck_contracts_uptime_guarantee', 'uptime_guarantee_bps BETWEEN 0 AND 10000')
@Check('ck_contracts_arrears_grace', 'arrears_grace_days BETWEEN 0 AND 365')
@Check('ck_contracts_stopped_on', `(status IN ('cancelled', 'terminated')) = (stopped_on IS NOT NULL) AND (stopped_on IS NULL OR stopped_on >= start_day)`)
export class Contract {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', name: 'customer_id' })
  customerId: string;

  /** Foreign key to the auth module's users table, by entity name (no import of its entity). */
  @ManyToOne('User', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'customer_id' })
  customer?: unknown;

  @Column({ type: 'uuid', name: 'product_id' })
  productId: string;

  @ManyToOne(() => Product, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'product_id' })
  product?: Product;

  /** The product's pool, copied so settlement reads contracts per pool without a join. */
  @Column({ type: 'uuid', name: 'pool_id' })
  poolId: string;

  @ManyToOne('Pool', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'pool_id' })
  pool?: unknown;

  @BigIntColumn({ name: 'hashrate_ghs' })
  hashrateGhs: bigint;

  @Column({ type: 'integer', name: 'term_days' })
  termDays: number;

  /** First UTC day delivered: the day after purchase. */
  @Column({ type: 'date', name: 'start_day' })
  startDay: string;

  /** Last UTC day delivered: start_day + term_days + extension_days - 1. */
  @Column({ type: 'date', name: 'end_day' })
  endDay: string;

  /** Whole days added by settlement for hash rate delivered below the product's uptime guarantee. */
  @Column({ type: 'integer', name: 'extension_days', default: 0 })
  extensionDays: number;

  @Column({ type: 'text' })
  status: ContractStatus;

  @Column({ type: 'timestamptz', name: 'status_changed_at' })
  statusChangedAt: Date;

  /**
   * First UTC day a cancelled or terminated contract is no longer delivered (the first day its
   * refund covers); null while it runs to its end day. Set once, in the statement that records
   * the status change, and always after every day that can still be settled: settlement decides
   * which days were the contract's by this day, never by today's status.
   */
  @Column({ type: 'date', name: 'stopped_on', nullable: true })
  stoppedOn: string | null;

  @BigIntColumn({ name: 'price_paid_micro_usd' })
  pricePaidMicroUsd: bigint;

  @DecimalColumn(20, 6, { name: 'upfront_price_usd_per_th' })
  upfrontPriceUsdPerTh: string;

  @DecimalColumn(20, 6, { name: 'electricity_fee_usd_per_th_day' })
  electricityFeeUsdPerThDay: string;

  @Column({ type: 'integer', name: 'management_fee_bps' })
  managementFeeBps: number;

  @Column({ type: 'integer', name: 'uptime_guarantee_bps' })
  uptimeGuaranteeBps: number;

  @Column({ type: 'integer', name: 'arrears_grace_days' })
  arrearsGraceDays: number;

  /** The buyer's Idempotency-Key: a replay returns this contract and charges nothing. */
  @Column({ type: 'text', name: 'idempotency_key' })
  idempotencyKey: string;

  /** Hash of what was asked (product, hash rate): the same key with a different request is a 409. */
  @Column({ type: 'text', name: 'request_fingerprint' })
  requestFingerprint: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
