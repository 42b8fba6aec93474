import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';
import { PayoutAddress } from './payout-address.entity.js';

/** A customer's standing instruction: pay out the whole available balance once it reaches the threshold. */
@Entity('auto_payout_settings')
@Index('idx_auto_payout_settings_address', ['addressId'])
@Check('ck_auto_payout_settings_threshold', `threshold_sats >= 546`)
export class AutoPayoutSetting {
  @PrimaryColumn({ type: 'uuid', name: 'user_id' })
  userId: string;

  @Column({ type: 'uuid', name: 'address_id' })
  addressId: string;

  @ManyToOne(() => PayoutAddress, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'address_id' })
  payoutAddress?: PayoutAddress;

  @BigIntColumn({ name: 'threshold_sats' })
  thresholdSats: bigint;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
