import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { columnsOfShape, field, resultRows, rowShape, type RowOf } from '../../../database/data-access.js';
import { SETTLEMENT_AMOUNT_FIELDS } from '../settlement.types.js';
import type { RunStatus } from '../entities/settlement-run.entity.js';

/** A contract's settlement row as the customer's view shows it (contract_settlements is no entity: partitioned by hand; columns are the fields in snake case). */
const CONTRACT_SETTLEMENT_FIELDS = {
  day: field.day,
  seq: field.int,
  poolId: field.text,
  hashrateGhs: field.bigint,
  ratioPpm: field.int,
  ...SETTLEMENT_AMOUNT_FIELDS,
  flags: field.int,
};
const CONTRACT_SETTLEMENT = rowShape(CONTRACT_SETTLEMENT_FIELDS);
export type ContractSettlementRow = RowOf<typeof CONTRACT_SETTLEMENT_FIELDS>;

/** A day's own run (seq 0) and its status, where the day has one. */
const RUN_DAY = rowShape({ runDay: field.day, runStatus: field.as<RunStatus>() });

/** What settlement carries for the contract (arrears and since when), for its header. */
const STATE_FIELDS = { arrearsMicroUsd: field.bigint, arrearsSince: field.dayOrNull };
const STATE = rowShape(STATE_FIELDS);
export type ContractStateView = RowOf<typeof STATE_FIELDS>;

/** Days of a contract as settlement knows them: its carried state, the day runs' status, the paid rows. */
export interface ContractDays {
  state: ContractStateView | null;
  /** Status of each day's own run (seq 0), for the days that have one. */
  runStatus: Map<string, RunStatus>;
  /** Paid rows, newest day first, then by seq. */
  settlements: ContractSettlementRow[];
}

/*
 * One statement for the whole view: the contract's state (one row even without days), each day's
 * own run, and the day's paid rows: rows of the attempt that completed their run. Rows of an
 * attempt that failed, or of a run not completed yet (its credits may not have committed), are
 * never returned. Each day's rows are found through the primary key's (day, contract_id) prefix.
 */
const contractDaysSql = () => `
SELECT st.arrears_micro_usd AS "arrearsMicroUsd", st.arrears_since::text AS "arrearsSince", d.day::text AS "runDay", r.status AS "runStatus",
       ${columnsOfShape(CONTRACT_SETTLEMENT, 's')}
  FROM (SELECT 1) one
  LEFT JOIN contract_settlement_states st ON st.contract_id = $2
  LEFT JOIN unnest($1::date[]) AS d(day) ON true
  LEFT JOIN settlement_runs r ON r.pool_id = $3 AND r.day = d.day AND r.seq = 0
  LEFT JOIN LATERAL (
    SELECT s.* FROM contract_settlements s
      JOIN settlement_runs c ON c.pool_id = s.pool_id AND c.day = s.day AND c.seq = s.seq AND c.attempt = s.attempt AND c.status = 'completed'
     WHERE s.day = d.day AND s.contract_id = $2 AND s.pool_id = $3
  ) s ON true
 ORDER BY d.day DESC, s.seq`;

/** SQL of the customer's view of a contract's days. */
@Injectable()
export class ContractSettlementsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The contract's carried state, and for each of `days` its run's status and its paid settlements, in one statement. */
  async contractDays(poolId: string, contractId: string, days: string[]): Promise<ContractDays> {
    const rows = resultRows<Record<string, unknown>>(await this.dataSource.query(contractDaysSql(), [days, contractId, poolId]));
    const first = rows[0];
    return {
      state: first && first.arrearsMicroUsd !== null ? STATE.map([first])[0] : null,
      runStatus: new Map(RUN_DAY.map(rows.filter((r) => r.runStatus !== null)).map((r) => [r.runDay, r.runStatus])),
      settlements: CONTRACT_SETTLEMENT.map(rows.filter((r) => r.seq !== null)),
    };
  }
}
