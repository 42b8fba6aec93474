import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { BigIntColumn, DecimalColumn } from '../../../common/money/columns.js';

export const PRODUCT_STATUSES = ['active', 'paused'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];
export const ELECTRICITY_FEE_SOURCES = ['fixed', 'derived'] as const;
export type ElectricityFeeSource = (typeof ELECTRICITY_FEE_SOURCES)[number];

/**
 * What is for sale: hash rate on one pool for a term. `sold_ghs` is the hash rate of its live
 * contracts (pending, active, paused), kept in the same transaction as every purchase and end of
 * a contract; the database refuses it above `capacity_allocated_ghs`, so overselling is impossible.
 */
@Entity('products')
@Index('idx_products_pool', ['poolId'])
@Index('idx_products_on_sale', ['status', 'salesStartAt'])
@Check('ck_products_term', 'term_days BETWEEN 1 AND 3650')
@Check('ck_products_upfront_price', 'upfront_price_usd_per_th > 0')
@Check('ck_products_electricity_fee', 'electricity_fee_usd_per_th_day >= 0')
@Check('ck_products_electricity_fee_source', `electricity_fee_source IN ('fixed', 'derived')`)
@Check('ck_products_management_fee', 'management_fee_bps BETWEEN 0 AND 10000')
@Check('ck_products_min_purchase', 'min_purchase_ghs > 0')
@Check('ck_products_max_purchase', 'max_purchase_ghs >= min_purchase_ghs')
@Check('ck_products_allocated', 'capacity_allocated_ghs >= 0')
@Check('ck_products_sold_within_allocation', 'sold_ghs >= 0 AND sold_ghs <= capacity_allocated_ghs')
@Check('ck_products_sales_window', 'sales_end_at IS NULL OR sales_end_at > sales_start_at')
@Check('ck_products_uptime_guarantee', 'uptime_guarantee_bps BETWEEN 0 AND 10000')
@Check('ck_products_arrears_grace', 'arrears_grace_days BETWEEN 0 AND 365')
@Check('ck_products_status', `status IN ('active', 'paused')`)
export class Product {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'uuid', name: 'pool_id' })
  poolId: string;

  /**
   * Foreign key to the capacity module's pools table, named by entity rather than imported: the
   * database keeps the reference valid while the code only talks to CapacityService.
   */
  @ManyToOne('Pool', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'pool_id' })
  pool?: unknown;

  @Column({ type: 'integer', name: 'term_days' })
  termDays: number;

  @DecimalColumn(20, 6, { name: 'upfront_price_usd_per_th' })
  upfrontPriceUsdPerTh: string;

  @DecimalColumn(20, 6, { name: 'electricity_fee_usd_per_th_day' })
  electricityFeeUsdPerThDay: string;

  @Column({ type: 'text', name: 'electricity_fee_source' })
  electricityFeeSource: ElectricityFeeSource;

  @Column({ type: 'integer', name: 'management_fee_bps' })
  managementFeeBps: number;

  @BigIntColumn({ name: 'min_purchase_ghs' })
  minPurchaseGhs: bigint;

  @BigIntColumn({ name: 'max_purchase_ghs' })
  maxPurchaseGhs: bigint;

  @BigIntColumn({ name: 'capacity_allocated_ghs' })
  capacityAllocatedGhs: bigint;

  @BigIntColumn({ name: 'sold_ghs', default: 0 })
  soldGhs: bigint;

  @Column({ type: 'timestamptz', name: 'sales_start_at' })
  salesStartAt: Date;

  @Column({ type: 'timestamptz', name: 'sales_end_at', nullable: true })
  salesEndAt: Date | null;

  @Column({ type: 'integer', name: 'uptime_guarantee_bps' })
  uptimeGuaranteeBps: number;

  @Column({ type: 'integer', name: 'arrears_grace_days' })
  arrearsGraceDays: number;

  @Column({ type: 'text' })
  status: ProductStatus;

  @Column({ type: 'uuid', name: 'created_by' })
  createdBy: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
