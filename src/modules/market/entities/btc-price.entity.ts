import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { DecimalColumn } from '../../../common/money/columns.js';

/** The BTC/USD price used for a UTC day (converts USD fees to sats). One row per day. */
@Entity('btc_prices')
@Check('ck_btc_prices_positive', 'usd_per_btc > 0')
export class BtcPrice {
  /** UTC day, 'YYYY-MM-DD'. */
  @PrimaryColumn({ type: 'date' })
  day: string;

  @DecimalColumn(20, 8, { name: 'usd_per_btc' })
  usdPerBtc: string;

  @Column({ type: 'uuid', name: 'recorded_by', nullable: true })
  recordedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;
}
