import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { columnsOf, field, keysOf, queryEntities, queryRow, queryRows, rowShape, type RowOf } from '../../../database/data-access.js';
import type { SqlSource } from '../../../common/sql/sql-source.js';
import { SettlementChunk } from '../entities/settlement-chunk.entity.js';
import { CHUNK_FIELDS, type ChunkRow } from '../runs/settlement-runs.repository.js';
import { CHUNK_SUMS, CUSTOMER_TOTAL, RUN_TOTALS, SETTLEMENT_AMOUNT_FIELDS, type CustomerTotal, type RunTotals } from '../settlement.types.js';
import { SettlementInvariantError } from '../settlement.errors.js';
import { chunkStatement, planStatement, thresholdContractStatement, type ChunkParams, type PlanParams } from './settlement-sql.js';

/** What the plan statement returns for a run (see planStatement). */
const PLAN_FIELDS = {
  contracts: field.bigint,
  pausedContracts: field.bigint,
  sold: field.bigint,
  ratioPpm: field.int,
  houseWeight: field.text,
  totalWeight: field.text,
  leftover: field.bigint,
  thresholdRem: field.textOrNull,
  thresholdKind: field.intOrNull,
  thresholdHashrates: field.textArrayOrNull,
  thresholdPos: field.bigintOrNull,
  housePlannedSats: field.bigint,
  groups: field.int,
};
const PLAN = rowShape(PLAN_FIELDS);
export type PlanResult = RowOf<typeof PLAN_FIELDS>;

/** What the chunk statement returns: the chunk's totals, and whether its customers' totals were kept. */
const CHUNK_TOTALS_FIELDS = {
  contracts: field.int,
  ...SETTLEMENT_AMOUNT_FIELDS,
  paused: field.int,
  inArrears: field.int,
  belowGuarantee: field.int,
  stateChanges: field.int,
  chunksKept: field.int,
};
const CHUNK_TOTALS = rowShape(CHUNK_TOTALS_FIELDS);
export type ChunkTotals = Omit<RowOf<typeof CHUNK_TOTALS_FIELDS>, 'chunksKept'>;

/** Fields of RUN_TOTALS summed from the chunks' totals (the rest are counted). */
const SUMMED_TOTALS = keysOf(RUN_TOTALS).filter((k) => k !== 'chunksDone' && k !== 'contracts');

/** SQL of a run's plan and chunks: the weight table, the chunk rows, the chunk statement and their totals. */
@Injectable()
export class SettlementEngineRepository {
  async plan(manager: EntityManager, source: SqlSource, params: PlanParams): Promise<PlanResult> {
    const statement = planStatement(source, params);
    return queryRow(manager, PLAN, statement.sql, statement.params);
  }

  async thresholdContract(
    manager: EntityManager,
    source: SqlSource,
    day: string,
    hashrates: string[],
    pos: bigint,
    dayAttempt: number | null,
  ): Promise<string | null> {
    const statement = thresholdContractStatement(source, day, hashrates, pos, dayAttempt);
    const rows: { contractId: string }[] = await manager.query(statement.sql, statement.params);
    return rows[0]?.contractId ?? null;
  }

  /**
   * Removes what an earlier attempt of the run planned and staged: its weights, chunks and
   * carried state (working rows, not money: the attempt's settlement rows stay, told apart by
   * their attempt). A new attempt then plans from scratch.
   */
  async clearPlan(manager: EntityManager, runId: string): Promise<void> {
    // A chunk still being settled by a job of the attempt that failed holds its row: wait for it
    // here, so that the next statement (a new snapshot) sees and removes what it staged.
    await manager.query(`SELECT 1 FROM settlement_chunks WHERE run_id = $1 ORDER BY chunk_no FOR UPDATE`, [runId]);
    await manager.query(
      `WITH w AS (DELETE FROM settlement_run_weights WHERE run_id = $1),
            c AS (DELETE FROM settlement_chunks WHERE run_id = $1)
       DELETE FROM settlement_run_states WHERE run_id = $1`,
      [runId],
    );
  }

  async insertChunks(manager: EntityManager, runId: string, ranges: { idFrom: string; idTo: string }[]): Promise<void> {
    await manager.query(
      `INSERT INTO settlement_chunks (run_id, chunk_no, id_from, id_to, status)
       SELECT $1::bigint, r.ord - 1, r.id_from, r.id_to, 'pending'
         FROM unnest($2::uuid[], $3::uuid[]) WITH ORDINALITY AS r(id_from, id_to, ord)`,
      [runId, ranges.map((r) => r.idFrom), ranges.map((r) => r.idTo)],
    );
  }

  /**
   * Row-locks the chunk: a second worker that got the same chunk waits here until the first
   * commits, then sees it done and does nothing.
   */
  async lockChunk(manager: EntityManager, runId: string, chunkNo: number): Promise<ChunkRow | null> {
    const rows = await queryEntities(
      manager,
      SettlementChunk,
      `SELECT ${columnsOf(manager, SettlementChunk, undefined, CHUNK_FIELDS)} FROM settlement_chunks WHERE run_id = $1 AND chunk_no = $2 FOR UPDATE`,
      [runId, chunkNo],
    );
    return rows[0] ?? null;
  }

  async settleChunk(manager: EntityManager, source: SqlSource, params: ChunkParams): Promise<ChunkTotals> {
    const statement = chunkStatement(source, params);
    const { chunksKept, ...totals } = await queryRow(manager, CHUNK_TOTALS, statement.sql, statement.params);
    if (chunksKept !== 1) throw new SettlementInvariantError(`run ${params.runId} chunk ${params.chunkNo}: its customers' totals were not kept`);
    return totals;
  }

  /** Marks the chunk done with its totals (kept as JSON: sats and micro-USD as decimal strings). */
  async markChunkDone(manager: EntityManager, runId: string, chunkNo: number, totals: ChunkTotals): Promise<void> {
    await manager.query(
      `UPDATE settlement_chunks SET status = 'done', contract_count = $3, gross_sats = $4, net_sats = $5, totals = $6, done_at = clock_timestamp()
        WHERE run_id = $1 AND chunk_no = $2`,
      [
        runId,
        chunkNo,
        totals.contracts,
        totals.grossSats.toString(),
        totals.netSats.toString(),
        JSON.stringify(totals, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)),
      ],
    );
  }

  /** The run's totals from its chunks (done ones), and how many there are. */
  async chunkTotals(manager: EntityManager, runId: string): Promise<Omit<RunTotals, 'houseSats'> & { chunks: number }> {
    return queryRow(
      manager,
      CHUNK_SUMS,
      `SELECT count(*)::int AS chunks, count(*) FILTER (WHERE status = 'done')::int AS "chunksDone",
              coalesce(sum(contract_count), 0)::int AS contracts,
              ${SUMMED_TOTALS.map((k) => `coalesce(sum((totals->>'${k}')::numeric), 0)::text AS "${k}"`).join(', ')}
         FROM settlement_chunks WHERE run_id = $1`,
      [runId],
    );
  }

  /** What each customer of a chunk is owed (kept by the chunk's statement), ordered by customer. */
  async chunkCustomerTotals(manager: EntityManager, runId: string, chunkNo: number): Promise<CustomerTotal[]> {
    return queryRows(
      manager,
      CUSTOMER_TOTAL,
      `SELECT o.customer_id AS "customerId", o.net::text AS "netSats", o.delta::text AS "arrearsDelta"
         FROM settlement_chunks k,
              unnest(k.customer_ids, k.customer_net_sats, k.customer_arrears_delta_micro_usd) AS o(customer_id, net, delta)
        WHERE k.run_id = $1 AND k.chunk_no = $2 AND k.status = 'done'
        ORDER BY o.customer_id`,
      [runId, chunkNo],
    );
  }
}
