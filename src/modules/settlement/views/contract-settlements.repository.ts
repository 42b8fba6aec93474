import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { columnsOfShape, mapShape, type RowOf } from '../../../common/sql/row-shape.js';
import { columnsOf, queryEntities } from '../../../database/data-access.js';
import { ContractSettlementState } from '../entities/contract-settlement-state.entity.js';

/** A contract's settlement row as the customer's view shows it (contract_settlements is no entity: partitioned by hand; columns are the fields in snake case). */
const CONTRACT_SETTLEMENT = {
  day: 'day', seq: 'int', poolId: 'text', hashrateGhs: 'bigint', ratioPpm: 'int', grossSats: 'bigint', electricityFeeMicroUsd: 'bigint',
  electricityFeeSats: 'bigint', managementFeeSats: 'bigint', arrearsCollectedSats: 'bigint', arrearsClearedMicroUsd: 'bigint',
  netSats: 'bigint', arrearsAddedMicroUsd: 'bigint', flags: 'int',
} as const;
export type ContractSettlementRow = RowOf<typeof CONTRACT_SETTLEMENT>;

const STATE_FIELDS = ['arrearsMicroUsd', 'arrearsSince', 'extensionDays'] as const;
export type ContractStateView = Pick<ContractSettlementState, (typeof STATE_FIELDS)[number]>;

/** SQL of the customer's view of a contract's days: its paid settlement rows and its carried state. */
@Injectable()
export class ContractSettlementsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The contract's settlements on the given days that were paid: rows of the attempt that
   * completed their run. Rows of an attempt that failed, or of a run not completed yet (its
   * credits may not have committed), are never returned.
   */
  async settlementsOfContract(poolId: string, contractId: string, days: string[]): Promise<ContractSettlementRow[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${columnsOfShape(CONTRACT_SETTLEMENT, 's')}
         FROM contract_settlements s
         JOIN settlement_runs r ON r.pool_id = s.pool_id AND r.day = s.day AND r.seq = s.seq AND r.attempt = s.attempt AND r.status = 'completed'
        WHERE s.day = ANY($1::date[]) AND s.contract_id = $2 AND s.pool_id = $3
        ORDER BY s.day DESC, s.seq`,
      [days, contractId, poolId],
    );
    return rows.map((r) => mapShape(CONTRACT_SETTLEMENT, r));
  }

  /** What settlement carries for the contract (arrears, extension), or null when nothing. */
  async contractState(contractId: string): Promise<ContractStateView | null> {
    const [row] = await queryEntities(
      this.dataSource,
      ContractSettlementState,
      `SELECT ${columnsOf(this.dataSource, ContractSettlementState, undefined, STATE_FIELDS)} FROM contract_settlement_states WHERE contract_id = $1`,
      [contractId],
    );
    return row ?? null;
  }
}
