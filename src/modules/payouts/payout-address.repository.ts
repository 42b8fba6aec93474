import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { columnsOf, queryEntities } from '../../database/data-access.js';
import { PayoutAddress } from './entities/payout-address.entity.js';

/** SQL for payout_addresses (the whitelist). */
@Injectable()
export class PayoutAddressRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Undefined when the customer already has this address on the whitelist. */
  async insert(row: Omit<PayoutAddress, 'id' | 'removedAt'>, manager: EntityManager = this.dataSource.manager): Promise<PayoutAddress | undefined> {
    const [created] = await queryEntities(
      manager,
      PayoutAddress,
      `INSERT INTO payout_addresses (user_id, address, address_type, network, label, created_at, usable_from)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (user_id, address) WHERE removed_at IS NULL DO NOTHING
       RETURNING ${columnsOf(manager, PayoutAddress)}`,
      [row.userId, row.address, row.addressType, row.network, row.label, row.createdAt, row.usableFrom],
    );
    return created;
  }

  async listActive(userId: string, manager: EntityManager = this.dataSource.manager): Promise<PayoutAddress[]> {
    return queryEntities(
      manager,
      PayoutAddress,
      `SELECT ${columnsOf(manager, PayoutAddress)} FROM payout_addresses WHERE user_id = $1 AND removed_at IS NULL ORDER BY created_at, id`,
      [userId],
    );
  }

  /** Locks the row FOR SHARE so a concurrent removal waits for the withdrawal that uses it. */
  async findActiveForUse(
    userId: string,
    by: { id: string } | { address: string },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<PayoutAddress | undefined> {
    const [column, value] = 'id' in by ? ['id', by.id] : ['address', by.address];
    const [address] = await queryEntities(
      manager,
      PayoutAddress,
      `SELECT ${columnsOf(manager, PayoutAddress)} FROM payout_addresses WHERE user_id = $1 AND ${column} = $2 AND removed_at IS NULL FOR SHARE`,
      [userId, value],
    );
    return address;
  }

  async softRemove(userId: string, id: string, now: Date, manager: EntityManager = this.dataSource.manager): Promise<PayoutAddress | undefined> {
    const [removed] = await queryEntities(
      manager,
      PayoutAddress,
      `UPDATE payout_addresses SET removed_at = $3 WHERE id = $2 AND user_id = $1 AND removed_at IS NULL RETURNING ${columnsOf(manager, PayoutAddress)}`,
      [userId, id, now],
    );
    return removed;
  }
}
