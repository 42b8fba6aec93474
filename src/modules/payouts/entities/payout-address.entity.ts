import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AddressType, BitcoinNetwork } from '../bitcoin-address.js';

/** A whitelisted payout address of one customer; usable only from `usableFrom` (time lock). */
@Entity('payout_addresses')
@Index('uq_payout_addresses_user_address_active', ['userId', 'address'], { unique: true, where: 'removed_at IS NULL' })
@Index('idx_payout_addresses_user', ['userId', 'createdAt'])
@Check('ck_payout_addresses_type', `address_type IN ('p2pkh', 'p2sh', 'p2wpkh', 'p2wsh', 'p2tr')`)
@Check('ck_payout_addresses_network', `network IN ('mainnet', 'testnet', 'regtest')`)
@Check('ck_payout_addresses_lock', `usable_from >= created_at`)
export class PayoutAddress {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  /** Canonical form: bech32 lower-cased, base58 as given. */
  @Column({ type: 'text' })
  address: string;

  @Column({ type: 'text', name: 'address_type' })
  addressType: AddressType;

  @Column({ type: 'text' })
  network: BitcoinNetwork;

  @Column({ type: 'text', nullable: true })
  label: string | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'usable_from' })
  usableFrom: Date;

  /** Removal is a soft delete: withdrawals keep pointing at the row they paid to. */
  @Column({ type: 'timestamptz', name: 'removed_at', nullable: true })
  removedAt: Date | null;
}
