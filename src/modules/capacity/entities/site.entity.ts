import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { DecimalColumn } from '../../../common/money/columns.js';

/** A hosting location: how much power it has and what that power costs. */
@Entity('sites')
@Index('uq_sites_name', ['name'], { unique: true })
@Check('ck_sites_power_positive', 'power_capacity_kw > 0')
@Check('ck_sites_price_non_negative', 'electricity_price_usd_per_kwh >= 0')
export class Site {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** kW with watt precision; the fleets' total draw may never exceed it (trigger check_site_power). */
  @DecimalColumn(14, 3, { name: 'power_capacity_kw' })
  powerCapacityKw: string;

  @DecimalColumn(12, 6, { name: 'electricity_price_usd_per_kwh' })
  electricityPriceUsdPerKwh: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
