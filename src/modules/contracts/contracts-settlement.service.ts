import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SqlSource } from '../../common/sql/sql-source.js';
import { ContractsSettlementRepository, type SettlementContractView } from './contracts-settlement.repository.js';

export type { SettlementContractView } from './contracts-settlement.repository.js';

/**
 * What settlement may ask of contracts: the contracts in force on a day as a SqlSource (so a
 * million of them never pass through process memory), and a set-based way to apply its
 * outcomes (extended end days, arrears, pause), handed over as a SqlSource over settlement's own
 * table, to the contracts this module owns. Each module's SQL reads only its own tables and the
 * other's source.
 */
@Injectable()
export class ContractsSettlementService {
  constructor(private readonly repository: ContractsSettlementRepository) {}

  /**
   * Columns: contract_id, customer_id, product_id, hashrate_ghs, electricity_fee_usd_per_th_day,
   * management_fee_bps, uptime_guarantee_bps, arrears_grace_days.
   */
  inForceSource(poolId: string, day: string): SqlSource {
    return this.repository.inForceSource(poolId, day);
  }

  /**
   * Applies settlement's outcomes to the contracts in force on `day`: `outcomes` is settlement's
   * own source of rows (contract_id uuid, extension_days int, paused boolean), embedded in one
   * statement of this module's. Returns how many contracts changed.
   */
  applySettlementOutcomes(manager: EntityManager, outcomes: SqlSource, day: string, changedAt: Date): Promise<number> {
    return this.repository.applyOutcomes(manager, outcomes, day, changedAt);
  }

  /** The contract when it belongs to the customer, else null (callers answer 404). */
  findForCustomer(customerId: string, contractId: string): Promise<SettlementContractView | null> {
    return this.repository.findForCustomer(customerId, contractId);
  }

  /** Hash rate sold (contracts in force) per pool and UTC day of a range. */
  soldByPoolDay(from: string, to: string) {
    return this.repository.soldByPoolDay(from, to);
  }

  poolsWithContractsOn(day: string): Promise<string[]> {
    return this.repository.poolsWithContractsOn(day);
  }
}
