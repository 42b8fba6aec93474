import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { embed, type SqlSource } from '../../common/sql/sql-source.js';
import type { RunStatus } from './entities/settlement-run.entity.js';
import { chunkStatement, planStatement, thresholdContractStatement, type ChunkParams, type PlanParams } from './settlement-sql.js';
import { SettlementInvariantError } from './settlement.errors.js';

type Queryable = Pick<EntityManager, 'query'>;

/** A run row as the services use it (money as bigint, numerics as strings). */
export interface RunRow {
  id: string;
  poolId: string;
  day: string;
  seq: number;
  status: RunStatus;
  attempt: number;
  generation: number | null;
  waitingReason: string | null;
  earningsSats: bigint | null;
  earningsRevision: number | null;
  btcUsd: string | null;
  soldGhs: bigint | null;
  onlineGhs: bigint | null;
  deliveredGhs: bigint | null;
  ratioPpm: number | null;
  houseWeight: string | null;
  totalWeight: string | null;
  leftoverSats: bigint | null;
  thresholdRem: string | null;
  thresholdKind: number | null;
  thresholdContractId: string | null;
  housePlannedSats: bigint | null;
  contractCount: number;
  chunkCount: number;
  chunksDone: number;
  grossSats: bigint;
  houseSats: bigint;
  electricityFeeSats: bigint;
  electricityFeeMicroUsd: bigint;
  managementFeeSats: bigint;
  arrearsCollectedSats: bigint;
  arrearsClearedMicroUsd: bigint;
  netSats: bigint;
  arrearsAddedMicroUsd: bigint;
  arrearsCollectedUsdMicroUsd: bigint;
  pausedCount: number;
  arrearsCount: number;
  extendedCount: number;
  error: string | null;
  triggeredBy: string;
  createdAt: Date;
  updatedAt: Date;
  preparedAt: Date | null;
  startedAt: Date | null;
  creditsStartedAt: Date | null;
  ledgerPostedAt: Date | null;
  completedAt: Date | null;
  durationMs: number | null;
}

const BIGINT_FIELDS = [
  'earningsSats', 'soldGhs', 'onlineGhs', 'deliveredGhs', 'leftoverSats', 'housePlannedSats', 'grossSats', 'houseSats',
  'electricityFeeSats', 'electricityFeeMicroUsd', 'managementFeeSats', 'arrearsCollectedSats', 'arrearsClearedMicroUsd', 'netSats',
  'arrearsAddedMicroUsd', 'arrearsCollectedUsdMicroUsd',
] as const;

const RUN_COLUMNS = `
  r.id::text AS id, r.pool_id AS "poolId", r.day::text AS day, r.seq, r.status, r.attempt, r.generation, r.waiting_reason AS "waitingReason",
  r.earnings_sats::text AS "earningsSats", r.earnings_revision AS "earningsRevision", r.btc_usd::text AS "btcUsd",
  r.sold_ghs::text AS "soldGhs", r.online_ghs::text AS "onlineGhs", r.delivered_ghs::text AS "deliveredGhs", r.ratio_ppm AS "ratioPpm",
  r.house_weight::text AS "houseWeight", r.total_weight::text AS "totalWeight", r.leftover_sats::text AS "leftoverSats",
  r.threshold_rem::text AS "thresholdRem", r.threshold_kind AS "thresholdKind", r.threshold_contract_id AS "thresholdContractId",
  r.house_planned_sats::text AS "housePlannedSats", r.contract_count AS "contractCount", r.chunk_count AS "chunkCount",
  r.chunks_done AS "chunksDone", r.gross_sats::text AS "grossSats", r.house_sats::text AS "houseSats",
  r.electricity_fee_sats::text AS "electricityFeeSats", r.electricity_fee_micro_usd::text AS "electricityFeeMicroUsd",
  r.management_fee_sats::text AS "managementFeeSats", r.arrears_collected_sats::text AS "arrearsCollectedSats",
  r.arrears_cleared_micro_usd::text AS "arrearsClearedMicroUsd", r.net_sats::text AS "netSats",
  r.arrears_added_micro_usd::text AS "arrearsAddedMicroUsd", r.arrears_collected_usd_micro_usd::text AS "arrearsCollectedUsdMicroUsd",
  r.paused_count AS "pausedCount", r.arrears_count AS "arrearsCount", r.extended_count AS "extendedCount", r.error,
  r.triggered_by AS "triggeredBy", r.created_at AS "createdAt", r.updated_at AS "updatedAt", r.prepared_at AS "preparedAt",
  r.started_at AS "startedAt", r.credits_started_at AS "creditsStartedAt", r.ledger_posted_at AS "ledgerPostedAt", r.completed_at AS "completedAt", r.duration_ms AS "durationMs"`;

function toRun(raw: Record<string, unknown>): RunRow {
  const row = { ...raw } as Record<string, unknown>;
  for (const field of BIGINT_FIELDS) row[field] = row[field] === null || row[field] === undefined ? null : BigInt(row[field] as string);
  return row as unknown as RunRow;
}

export interface PlanResult {
  contracts: bigint;
  pausedContracts: bigint;
  sold: bigint;
  ratioPpm: number;
  houseWeight: string;
  totalWeight: string;
  leftover: bigint;
  thresholdRem: string | null;
  thresholdKind: number | null;
  thresholdHashrates: string[] | null;
  thresholdPos: bigint | null;
  houseBase: bigint;
  houseRem: string;
  groups: number;
}

export interface ChunkTotals {
  contracts: number;
  grossSats: string;
  electricityFeeMicroUsd: string;
  electricityFeeSats: string;
  managementFeeSats: string;
  arrearsCollectedSats: string;
  arrearsClearedMicroUsd: string;
  netSats: string;
  arrearsAddedMicroUsd: string;
  paused: number;
  inArrears: number;
  belowGuarantee: number;
  stateChanges: number;
}

export interface ChunkRow {
  runId: string;
  chunkNo: number;
  idFrom: string;
  idTo: string;
  status: 'pending' | 'done';
}

export interface RunListFilter {
  from?: string;
  to?: string;
  poolId?: string;
  status?: RunStatus;
  /** Keyset: (day, pool, seq) strictly before this, newest first. */
  before?: { day: string; poolId: string; seq: number };
  limit: number;
}

export interface ContractSettlementRow {
  day: string;
  seq: number;
  poolId: string;
  hashrateGhs: bigint;
  ratioPpm: number;
  grossSats: bigint;
  electricityFeeMicroUsd: bigint;
  electricityFeeSats: bigint;
  managementFeeSats: bigint;
  arrearsCollectedSats: bigint;
  arrearsClearedMicroUsd: bigint;
  netSats: bigint;
  arrearsAddedMicroUsd: bigint;
  flags: number;
}

/** SQL for settlement runs, chunks, carried state and the settlement rows themselves. */
@Injectable()
export class SettlementRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private db(manager?: EntityManager): Queryable {
    return manager ?? this.dataSource;
  }

  // ---- runs ---------------------------------------------------------------------------

  /** Creates the (pool, day, seq) run unless it exists; returns the stored row either way. */
  async insertRunIfAbsent(
    manager: EntityManager,
    run: { poolId: string; day: string; seq: number; status: RunStatus; waitingReason: string | null; triggeredBy: string; earningsSats?: bigint | null },
  ): Promise<{ run: RunRow; created: boolean }> {
    const inserted: Record<string, unknown>[] = await manager.query(
      `INSERT INTO settlement_runs AS r (pool_id, day, seq, status, waiting_reason, triggered_by, earnings_sats, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())
       ON CONFLICT (pool_id, day, seq) DO NOTHING
       RETURNING ${RUN_COLUMNS}`,
      [run.poolId, run.day, run.seq, run.status, run.waitingReason, run.triggeredBy, run.earningsSats?.toString() ?? null],
    );
    if (inserted[0]) return { run: toRun(inserted[0]), created: true };
    const existing = await this.findRunByKey(run.poolId, run.day, run.seq, manager);
    return { run: existing!, created: false };
  }

  async findRun(id: string, manager?: EntityManager): Promise<RunRow | null> {
    const rows: Record<string, unknown>[] = await this.db(manager).query(`SELECT ${RUN_COLUMNS} FROM settlement_runs r WHERE r.id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async findRunByKey(poolId: string, day: string, seq: number, manager?: EntityManager): Promise<RunRow | null> {
    const rows: Record<string, unknown>[] = await this.db(manager).query(
      `SELECT ${RUN_COLUMNS} FROM settlement_runs r WHERE r.pool_id = $1 AND r.day = $2 AND r.seq = $3`,
      [poolId, day, seq],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Row-locks the run: every state change of a run happens under this lock. */
  async lockRun(manager: EntityManager, id: string): Promise<RunRow | null> {
    const rows: Record<string, unknown>[] = await manager.query(`SELECT ${RUN_COLUMNS} FROM settlement_runs r WHERE r.id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Every run of the pool and day, adjustments included, in seq order. */
  async runsOfPoolDay(poolId: string, day: string, manager?: EntityManager): Promise<RunRow[]> {
    const rows: Record<string, unknown>[] = await this.db(manager).query(
      `SELECT ${RUN_COLUMNS} FROM settlement_runs r WHERE r.pool_id = $1 AND r.day = $2 ORDER BY r.seq`,
      [poolId, day],
    );
    return rows.map(toRun);
  }

  async runsOfDays(days: string[]): Promise<RunRow[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM settlement_runs r WHERE r.day = ANY($1::date[]) ORDER BY r.day, r.pool_id, r.seq`,
      [days],
    );
    return rows.map(toRun);
  }

  /** Runs not completed: what the sweep and the scheduler look at. */
  async openRuns(manager?: EntityManager): Promise<RunRow[]> {
    const rows: Record<string, unknown>[] = await this.db(manager).query(
      `SELECT ${RUN_COLUMNS} FROM settlement_runs r WHERE r.status <> 'completed' ORDER BY r.day, r.pool_id, r.seq`,
    );
    return rows.map(toRun);
  }

  /**
   * The run that (day, seq) of the pool must wait for, or null: an earlier one not completed
   * (runs of a pool settle in order), or another one running (a run's carried state must not
   * change under another's chunks; uq_settlement_runs_running_pool enforces it).
   */
  async runToWaitFor(manager: EntityManager, poolId: string, day: string, seq: number): Promise<RunRow | null> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT ${RUN_COLUMNS} FROM settlement_runs r
        WHERE r.pool_id = $1 AND r.status <> 'completed'
          AND ((r.day, r.seq) < ($2::date, $3::smallint) OR (r.status = 'running' AND (r.day, r.seq) <> ($2::date, $3::smallint)))
        ORDER BY r.day, r.seq LIMIT 1`,
      [poolId, day, seq],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** The last day whose seq-0 run completed for the pool, or null. */
  async lastCompletedDay(poolId: string, manager?: EntityManager): Promise<string | null> {
    const rows: { day: string | null }[] = await this.db(manager).query(
      `SELECT max(day)::text AS day FROM settlement_runs WHERE pool_id = $1 AND seq = 0 AND status = 'completed'`,
      [poolId],
    );
    return rows[0]?.day ?? null;
  }

  async setRunWaiting(manager: EntityManager, id: string, status: 'waiting' | 'overdue' | 'pending', reason: string | null): Promise<void> {
    await manager.query(`UPDATE settlement_runs SET status = $2, waiting_reason = $3, updated_at = now() WHERE id = $1`, [id, status, reason]);
  }

  /**
   * A failed run triggered again. Before its customers were credited it is planned again: back
   * to pending with a new attempt (fresh job ids, its own settlement rows). Once crediting began,
   * its numbers are final: it is resumed under the same attempt (running again, its jobs
   * retried), unless another run of its pool is running meanwhile. Returns what was done.
   */
  async retryRun(manager: EntityManager, id: string): Promise<'replanned' | 'resumed' | 'busy'> {
    const rows: { outcome: 'replanned' | 'resumed' }[] = await manager.query(
      `UPDATE settlement_runs r
          SET status = CASE WHEN r.credits_started_at IS NULL THEN 'pending' ELSE 'running' END,
              attempt = CASE WHEN r.credits_started_at IS NULL THEN r.attempt + 1 ELSE r.attempt END,
              error = NULL, waiting_reason = NULL, updated_at = now()
        WHERE r.id = $1 AND r.status = 'failed'
          AND (r.credits_started_at IS NULL
               OR NOT EXISTS (SELECT 1 FROM settlement_runs o WHERE o.pool_id = r.pool_id AND o.status = 'running' AND o.id <> r.id))
        RETURNING CASE WHEN r.credits_started_at IS NULL THEN 'replanned' ELSE 'resumed' END AS outcome`,
      [id],
    );
    return rows[0]?.outcome ?? 'busy';
  }

  /** From now on the attempt's numbers are final: a failure resumes it rather than planning it again. */
  async markCreditsStarted(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`UPDATE settlement_runs SET credits_started_at = coalesce(credits_started_at, clock_timestamp()), updated_at = now() WHERE id = $1`, [id]);
  }

  async failRun(manager: EntityManager, id: string, error: string): Promise<void> {
    await manager.query(`UPDATE settlement_runs SET status = 'failed', error = $2, updated_at = now() WHERE id = $1 AND status <> 'completed'`, [id, error.slice(0, 2000)]);
  }

  async markPrepared(
    manager: EntityManager,
    id: string,
    p: {
      generation: number; earningsSats: bigint; earningsRevision: number; btcUsd: string; soldGhs: bigint; onlineGhs: bigint;
      deliveredGhs: bigint | null; ratioPpm: number; houseWeight: string; totalWeight: string; leftoverSats: bigint;
      thresholdRem: string | null; thresholdKind: number | null; thresholdContractId: string | null; housePlannedSats: bigint;
      contractCount: number; chunkCount: number;
    },
  ): Promise<void> {
    await manager.query(
      `UPDATE settlement_runs
          SET status = 'running', waiting_reason = NULL, generation = $2, earnings_sats = $3, earnings_revision = $4, btc_usd = $5,
              sold_ghs = $6, online_ghs = $7, delivered_ghs = $8, ratio_ppm = $9, house_weight = $10, total_weight = $11,
              leftover_sats = $12, threshold_rem = $13, threshold_kind = $14, threshold_contract_id = $15, house_planned_sats = $16,
              contract_count = $17, chunk_count = $18, chunks_done = 0, prepared_at = clock_timestamp(), started_at = coalesce(started_at, now()),
              credits_started_at = NULL,
              updated_at = now()
        WHERE id = $1`,
      [
        id, p.generation, p.earningsSats.toString(), p.earningsRevision, p.btcUsd, p.soldGhs.toString(), p.onlineGhs.toString(),
        p.deliveredGhs?.toString() ?? null, p.ratioPpm, p.houseWeight, p.totalWeight, p.leftoverSats.toString(), p.thresholdRem,
        p.thresholdKind, p.thresholdContractId, p.housePlannedSats.toString(), p.contractCount, p.chunkCount,
      ],
    );
  }

  async markLedgerPosted(manager: EntityManager, id: string, totals: RunTotals): Promise<void> {
    await manager.query(
      `UPDATE settlement_runs
          SET ledger_posted_at = clock_timestamp(), chunks_done = $2, gross_sats = $3, house_sats = $4, electricity_fee_sats = $5,
              electricity_fee_micro_usd = $6, management_fee_sats = $7, arrears_collected_sats = $8, arrears_cleared_micro_usd = $9,
              net_sats = $10, arrears_added_micro_usd = $11, paused_count = $12, arrears_count = $13, updated_at = now()
        WHERE id = $1`,
      [
        id, totals.chunksDone, totals.grossSats.toString(), totals.houseSats.toString(), totals.electricityFeeSats.toString(),
        totals.electricityFeeMicroUsd.toString(), totals.managementFeeSats.toString(), totals.arrearsCollectedSats.toString(),
        totals.arrearsClearedMicroUsd.toString(), totals.netSats.toString(), totals.arrearsAddedMicroUsd.toString(), totals.paused, totals.inArrears,
      ],
    );
  }

  async markCompleted(manager: EntityManager, id: string, arrearsCollectedUsd: bigint, extendedCount: number): Promise<void> {
    await manager.query(
      `UPDATE settlement_runs
          SET status = 'completed', arrears_collected_usd_micro_usd = $2, extended_count = $3, error = NULL, completed_at = clock_timestamp(),
              duration_ms = (extract(epoch FROM (clock_timestamp() - coalesce(started_at, prepared_at, created_at))) * 1000)::int, updated_at = now()
        WHERE id = $1`,
      [id, arrearsCollectedUsd.toString(), extendedCount],
    );
  }

  async listRuns(filter: RunListFilter): Promise<RunRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.from) add('r.day >= ?::date', filter.from);
    if (filter.to) add('r.day <= ?::date', filter.to);
    if (filter.poolId) add('r.pool_id = ?::uuid', filter.poolId);
    if (filter.status) add('r.status = ?', filter.status);
    if (filter.before) {
      params.push(filter.before.day, filter.before.poolId, filter.before.seq);
      where.push(`(r.day, r.pool_id, r.seq) < ($${params.length - 2}::date, $${params.length - 1}::uuid, $${params.length}::smallint)`);
    }
    params.push(filter.limit + 1);
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM settlement_runs r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY r.day DESC, r.pool_id DESC, r.seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRun);
  }

  // ---- days -------------------------------------------------------------------------------

  /** Takes the next flow generation of the day (locks the day row until commit). */
  async nextGeneration(manager: EntityManager, day: string): Promise<number> {
    const rows: { generation: number }[] = await manager.query(
      `INSERT INTO settlement_days (day, generation, updated_at) VALUES ($1, 1, now())
       ON CONFLICT (day) DO UPDATE SET generation = settlement_days.generation + 1, updated_at = now()
       RETURNING generation`,
      [day],
    );
    return rows[0].generation;
  }

  /** Recomputes the day's summary from its runs. */
  async refreshDay(manager: EntityManager, day: string): Promise<void> {
    await manager.query(
      `INSERT INTO settlement_days AS d (day, generation, runs_total, runs_completed, contracts, earnings_sats, net_sats, started_at, completed_at, duration_ms, updated_at)
       SELECT $1::date, 0, count(*), count(*) FILTER (WHERE status = 'completed'),
              coalesce(sum(contract_count) FILTER (WHERE seq = 0), 0), coalesce(sum(earnings_sats) FILTER (WHERE status = 'completed'), 0),
              coalesce(sum(net_sats) FILTER (WHERE status = 'completed'), 0), min(started_at),
              CASE WHEN bool_and(status = 'completed') THEN max(completed_at) END,
              CASE WHEN bool_and(status = 'completed') THEN (extract(epoch FROM (max(completed_at) - min(started_at))) * 1000)::int END,
              now()
         FROM settlement_runs WHERE day = $1::date
       ON CONFLICT (day) DO UPDATE
          SET runs_total = excluded.runs_total, runs_completed = excluded.runs_completed, contracts = excluded.contracts,
              earnings_sats = excluded.earnings_sats, net_sats = excluded.net_sats, started_at = excluded.started_at,
              completed_at = excluded.completed_at, duration_ms = excluded.duration_ms, updated_at = now()`,
      [day],
    );
  }

  async runsOfGeneration(day: string, generation: number, manager?: EntityManager): Promise<RunRow[]> {
    const rows: Record<string, unknown>[] = await this.db(manager).query(
      `SELECT ${RUN_COLUMNS} FROM settlement_runs r WHERE r.day = $1 AND r.generation = $2 ORDER BY r.pool_id, r.seq`,
      [day, generation],
    );
    return rows.map(toRun);
  }

  async findDay(day: string, manager?: EntityManager): Promise<Record<string, unknown> | null> {
    const rows: Record<string, unknown>[] = await this.db(manager).query(
      `SELECT day::text AS day, generation, runs_total AS "runsTotal", runs_completed AS "runsCompleted", contracts,
              earnings_sats::text AS "earningsSats", net_sats::text AS "netSats", started_at AS "startedAt",
              completed_at AS "completedAt", duration_ms AS "durationMs"
         FROM settlement_days WHERE day = $1`,
      [day],
    );
    return rows[0] ?? null;
  }

  // ---- partitions -------------------------------------------------------------------------

  /**
   * Creates the month partition of contract_settlements holding `day` unless it exists. DDL
   * takes a lock on the parent, so concurrent creators serialize on an advisory lock.
   */
  async ensurePartition(manager: EntityManager, day: string): Promise<string> {
    const name = partitionName(day);
    const rows: { exists: boolean }[] = await manager.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [name]);
    if (rows[0].exists) return name;
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('contract_settlements_partitions'))`);
    const again: { exists: boolean }[] = await manager.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [name]);
    if (!again[0].exists) {
      const from = `${day.slice(0, 7)}-01`;
      await manager.query(
        `CREATE TABLE ${name} PARTITION OF contract_settlements FOR VALUES FROM ('${from}') TO (('${from}'::date + interval '1 month')::date)`,
      );
    }
    return name;
  }

  // ---- plan and chunks ----------------------------------------------------------------------

  async plan(manager: EntityManager, source: SqlSource, params: PlanParams): Promise<PlanResult> {
    const statement = planStatement(source, params);
    const rows: Record<string, string | number | string[] | null>[] = await manager.query(statement.sql, statement.params);
    const r = rows[0];
    return {
      contracts: BigInt(r.contracts as string),
      pausedContracts: BigInt(r.pausedContracts as string),
      sold: BigInt(r.sold as string),
      ratioPpm: Number(r.ratioPpm),
      houseWeight: r.houseWeight as string,
      totalWeight: r.totalWeight as string,
      leftover: BigInt(r.leftover as string),
      thresholdRem: (r.thresholdRem as string | null) ?? null,
      thresholdKind: r.thresholdKind === null ? null : Number(r.thresholdKind),
      thresholdHashrates: (r.thresholdHashrates as string[] | null) ?? null,
      thresholdPos: r.thresholdPos === null ? null : BigInt(r.thresholdPos as string),
      houseBase: BigInt((r.houseBase as string | null) ?? '0'),
      houseRem: (r.houseRem as string | null) ?? '0',
      groups: Number(r.groups),
    };
  }

  async thresholdContract(manager: EntityManager, source: SqlSource, day: string, hashrates: string[], pos: bigint, dayAttempt: number | null): Promise<string | null> {
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

  async chunksOf(runId: string, manager?: EntityManager): Promise<(ChunkRow & { keptCustomers: boolean })[]> {
    return this.db(manager).query(
      `SELECT run_id::text AS "runId", chunk_no AS "chunkNo", id_from AS "idFrom", id_to AS "idTo", status,
              customer_ids IS NOT NULL AS "keptCustomers"
         FROM settlement_chunks WHERE run_id = $1 ORDER BY chunk_no`,
      [runId],
    );
  }

  /**
   * Row-locks the chunk: a second worker that got the same chunk waits here until the first
   * commits, then sees it done and does nothing.
   */
  async lockChunk(manager: EntityManager, runId: string, chunkNo: number): Promise<ChunkRow | null> {
    const rows: ChunkRow[] = await manager.query(
      `SELECT run_id::text AS "runId", chunk_no AS "chunkNo", id_from AS "idFrom", id_to AS "idTo", status
         FROM settlement_chunks WHERE run_id = $1 AND chunk_no = $2 FOR UPDATE`,
      [runId, chunkNo],
    );
    return rows[0] ?? null;
  }

  async settleChunk(manager: EntityManager, source: SqlSource, params: ChunkParams): Promise<ChunkTotals> {
    const statement = chunkStatement(source, params);
    const rows: (ChunkTotals & { chunksKept: number })[] = await manager.query(statement.sql, statement.params);
    const { chunksKept, ...totals } = rows[0];
    if (chunksKept !== 1) throw new SettlementInvariantError(`run ${params.runId} chunk ${params.chunkNo}: its customers' totals were not kept`);
    return totals;
  }

  async markChunkDone(manager: EntityManager, runId: string, chunkNo: number, totals: ChunkTotals): Promise<void> {
    await manager.query(
      `UPDATE settlement_chunks SET status = 'done', contract_count = $3, gross_sats = $4, net_sats = $5, totals = $6, done_at = clock_timestamp()
        WHERE run_id = $1 AND chunk_no = $2`,
      [runId, chunkNo, totals.contracts, totals.grossSats, totals.netSats, JSON.stringify(totals)],
    );
  }

  /** The run's totals from its chunks (done ones), and how many are done. */
  async chunkTotals(manager: EntityManager, runId: string): Promise<RunTotals & { chunks: number }> {
    const rows: Record<string, string>[] = await manager.query(
      `SELECT count(*)::int AS chunks, count(*) FILTER (WHERE status = 'done')::int AS "chunksDone",
              coalesce(sum(contract_count), 0)::int AS contracts,
              ${['grossSats', 'electricityFeeMicroUsd', 'electricityFeeSats', 'managementFeeSats', 'arrearsCollectedSats', 'arrearsClearedMicroUsd', 'netSats', 'arrearsAddedMicroUsd', 'paused', 'inArrears', 'stateChanges']
                .map((k) => `coalesce(sum((totals->>'${k}')::numeric), 0)::text AS "${k}"`).join(', ')}
         FROM settlement_chunks WHERE run_id = $1`,
      [runId],
    );
    const r = rows[0];
    return {
      chunks: Number(r.chunks),
      chunksDone: Number(r.chunksDone),
      contracts: Number(r.contracts),
      grossSats: BigInt(r.grossSats),
      houseSats: 0n,
      electricityFeeMicroUsd: BigInt(r.electricityFeeMicroUsd),
      electricityFeeSats: BigInt(r.electricityFeeSats),
      managementFeeSats: BigInt(r.managementFeeSats),
      arrearsCollectedSats: BigInt(r.arrearsCollectedSats),
      arrearsClearedMicroUsd: BigInt(r.arrearsClearedMicroUsd),
      netSats: BigInt(r.netSats),
      arrearsAddedMicroUsd: BigInt(r.arrearsAddedMicroUsd),
      paused: Number(r.paused),
      inArrears: Number(r.inArrears),
      stateChanges: Number(r.stateChanges),
    };
  }

  // ---- finalize -------------------------------------------------------------------------------

  /** What each customer of a chunk is owed (kept by the chunk's statement), ordered by customer. */
  async chunkCustomerTotals(manager: EntityManager, runId: string, chunkNo: number): Promise<CustomerTotal[]> {
    const rows: { customer_id: string; net: string; delta: string }[] = await manager.query(
      `SELECT o.customer_id, o.net::text, o.delta::text
         FROM settlement_chunks k,
              unnest(k.customer_ids, k.customer_net_sats, k.customer_arrears_delta_micro_usd) AS o(customer_id, net, delta)
        WHERE k.run_id = $1 AND k.chunk_no = $2 AND k.status = 'done'
        ORDER BY o.customer_id`,
      [runId, chunkNo],
    );
    return rows.map((r) => ({ customerId: r.customer_id, netSats: BigInt(r.net), arrearsDelta: BigInt(r.delta) }));
  }

  /**
   * Per customer, what the run credits (net sats) and how their arrears moved (micro-USD added
   * by shortfalls, cleared by output), summed from the day's settlement rows: for chunks settled
   * before chunks kept these totals. Only customers with something to post, ordered by customer.
   */
  async customerTotals(manager: EntityManager, poolId: string, day: string, seq: number, attempt: number): Promise<CustomerTotal[]> {
    const rows: { customer_id: string; net_sats: string; delta: string }[] = await manager.query(
      `SELECT customer_id, net_sats::text, (arrears_added - arrears_cleared)::text AS delta
         FROM (SELECT customer_id, sum(net_sats) AS net_sats, sum(arrears_added_micro_usd) AS arrears_added,
                      sum(arrears_cleared_micro_usd) AS arrears_cleared
                 FROM contract_settlements
                WHERE day = $1::date AND seq = $2::smallint AND pool_id = $3::uuid AND attempt = $4::int
                GROUP BY customer_id) t
        WHERE net_sats <> 0 OR arrears_added <> arrears_cleared
        ORDER BY customer_id`,
      [day, seq, poolId, attempt],
    );
    return rows.map((r) => ({ customerId: r.customer_id, netSats: BigInt(r.net_sats), arrearsDelta: BigInt(r.delta) }));
  }

  /**
   * Moves the carried state the run's chunks staged into contract_settlement_states and removes
   * the staged rows, in the run's completing transaction. Returns how many contracts changed.
   */
  async applyRunStates(manager: EntityManager, run: { id: string; poolId: string; day: string }): Promise<number> {
    const rows: { n: number }[] = await manager.query(
      `WITH applied AS (
         INSERT INTO contract_settlement_states AS st (contract_id, customer_id, pool_id, arrears_micro_usd, arrears_since,
                undelivered_ghs_ppm_days, extension_days, last_day, updated_at)
         SELECT s.contract_id, s.customer_id, $2::uuid, s.arrears_micro_usd, s.arrears_since, s.undelivered_ghs_ppm_days, s.extension_days, $3::date, now()
           FROM settlement_run_states s WHERE s.run_id = $1::bigint
         ON CONFLICT (contract_id) DO UPDATE
            SET arrears_micro_usd = excluded.arrears_micro_usd, arrears_since = excluded.arrears_since,
                undelivered_ghs_ppm_days = excluded.undelivered_ghs_ppm_days, extension_days = excluded.extension_days,
                last_day = excluded.last_day, updated_at = excluded.updated_at
         RETURNING 1
       ), removed AS (
         DELETE FROM settlement_run_states WHERE run_id = $1::bigint
       )
       SELECT count(*)::int AS n FROM applied`,
      [run.id, run.poolId, run.day],
    );
    return rows[0].n;
  }

  /** Customers of the pool with outstanding arrears, and how much (micro-USD), oldest debt first. */
  async customersInArrears(manager: EntityManager, poolId: string): Promise<{ customerId: string; arrearsMicroUsd: bigint }[]> {
    const rows: { customer_id: string; arrears: string }[] = await manager.query(
      `SELECT customer_id, sum(arrears_micro_usd)::text AS arrears FROM contract_settlement_states
        WHERE pool_id = $1 AND arrears_micro_usd > 0 GROUP BY customer_id ORDER BY min(arrears_since), customer_id`,
      [poolId],
    );
    return rows.map((r) => ({ customerId: r.customer_id, arrearsMicroUsd: BigInt(r.arrears) }));
  }

  /**
   * Applies USD collections to the customers' contracts in the pool, each customer's oldest
   * arrears first (then by contract id), in one statement. Returns how many contracts changed.
   */
  async applyUsdCollections(manager: EntityManager, poolId: string, collections: { customerId: string; amountMicroUsd: bigint }[], day: string): Promise<number> {
    if (collections.length === 0) return 0;
    const rows: { n: number }[] = await manager.query(
      `WITH paying AS (
         SELECT * FROM unnest($2::uuid[], $3::bigint[]) AS c(customer_id, amount)
       ), owing AS (
         SELECT st.contract_id, st.arrears_micro_usd, p.amount AS paid_by_customer,
                sum(st.arrears_micro_usd) OVER (PARTITION BY st.customer_id ORDER BY st.arrears_since, st.contract_id) - st.arrears_micro_usd AS before
           FROM contract_settlement_states st JOIN paying p ON p.customer_id = st.customer_id
          WHERE st.pool_id = $1 AND st.arrears_micro_usd > 0
       ), paid AS (
         SELECT contract_id, least(arrears_micro_usd, greatest(paid_by_customer - before, 0)) AS amount FROM owing
       ), upd AS (
         UPDATE contract_settlement_states st
            SET arrears_micro_usd = st.arrears_micro_usd - paid.amount,
                arrears_since = CASE WHEN st.arrears_micro_usd - paid.amount = 0 THEN NULL ELSE st.arrears_since END,
                last_day = greatest(st.last_day, $4::date), updated_at = now()
           FROM paid WHERE st.contract_id = paid.contract_id AND paid.amount > 0
         RETURNING 1
       ) SELECT count(*)::int AS n FROM upd`,
      [poolId, collections.map((c) => c.customerId), collections.map((c) => c.amountMicroUsd.toString()), day],
    );
    return rows[0].n;
  }

  /** Contracts of the pool whose carried state has something the contract should show: extension, arrears, pause. */
  outcomesSource(poolId: string, nextDay: string, inForce: SqlSource): SqlSource {
    const params: unknown[] = [poolId, nextDay];
    const src = embed(inForce, params);
    return {
      sql: `SELECT st.contract_id, st.extension_days,
                   (st.arrears_micro_usd > 0 AND $2::date - st.arrears_since > c.arrears_grace_days) IS TRUE AS paused
              FROM contract_settlement_states st JOIN (${src}) c ON c.contract_id = st.contract_id
             WHERE st.pool_id = $1::uuid`,
      params,
    };
  }

  async countExtended(manager: EntityManager, poolId: string, day: string): Promise<number> {
    const rows: { n: number }[] = await manager.query(
      `SELECT count(*)::int AS n FROM contract_settlement_states WHERE pool_id = $1 AND last_day = $2 AND extension_days > 0`,
      [poolId, day],
    );
    return rows[0].n;
  }

  // ---- reads for people -------------------------------------------------------------------------

  /**
   * The contract's settlements on the given days that were paid: rows of the attempt that
   * completed their run. Rows of an attempt that failed, or of a run not completed yet (its
   * credits may not have committed), are never returned.
   */
  async settlementsOfContract(poolId: string, contractId: string, days: string[]): Promise<ContractSettlementRow[]> {
    const rows: Record<string, string | number>[] = await this.dataSource.query(
      `SELECT s.day::text AS day, s.seq, s.pool_id AS "poolId", s.hashrate_ghs::text AS "hashrateGhs", s.ratio_ppm AS "ratioPpm",
              s.gross_sats::text AS "grossSats", s.electricity_fee_micro_usd::text AS "electricityFeeMicroUsd",
              s.electricity_fee_sats::text AS "electricityFeeSats", s.management_fee_sats::text AS "managementFeeSats",
              s.arrears_collected_sats::text AS "arrearsCollectedSats", s.arrears_cleared_micro_usd::text AS "arrearsClearedMicroUsd",
              s.net_sats::text AS "netSats", s.arrears_added_micro_usd::text AS "arrearsAddedMicroUsd", s.flags
         FROM contract_settlements s
         JOIN settlement_runs r ON r.pool_id = s.pool_id AND r.day = s.day AND r.seq = s.seq AND r.attempt = s.attempt AND r.status = 'completed'
        WHERE s.day = ANY($1::date[]) AND s.contract_id = $2 AND s.pool_id = $3
        ORDER BY s.day DESC, s.seq`,
      [days, contractId, poolId],
    );
    return rows.map((r) => ({
      day: r.day as string,
      seq: Number(r.seq),
      poolId: r.poolId as string,
      hashrateGhs: BigInt(r.hashrateGhs),
      ratioPpm: Number(r.ratioPpm),
      grossSats: BigInt(r.grossSats),
      electricityFeeMicroUsd: BigInt(r.electricityFeeMicroUsd),
      electricityFeeSats: BigInt(r.electricityFeeSats),
      managementFeeSats: BigInt(r.managementFeeSats),
      arrearsCollectedSats: BigInt(r.arrearsCollectedSats),
      arrearsClearedMicroUsd: BigInt(r.arrearsClearedMicroUsd),
      netSats: BigInt(r.netSats),
      arrearsAddedMicroUsd: BigInt(r.arrearsAddedMicroUsd),
      flags: Number(r.flags),
    }));
  }

  async contractState(contractId: string): Promise<{ arrearsMicroUsd: bigint; arrearsSince: string | null; extensionDays: number } | null> {
    const rows: { arrears: string; since: string | null; ext: number }[] = await this.dataSource.query(
      `SELECT arrears_micro_usd::text AS arrears, arrears_since::text AS since, extension_days AS ext FROM contract_settlement_states WHERE contract_id = $1`,
      [contractId],
    );
    return rows[0] ? { arrearsMicroUsd: BigInt(rows[0].arrears), arrearsSince: rows[0].since, extensionDays: Number(rows[0].ext) } : null;
  }

  async runsOfPoolBetween(poolId: string, from: string, to: string): Promise<RunRow[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM settlement_runs r WHERE r.pool_id = $1 AND r.day BETWEEN $2 AND $3 ORDER BY r.day, r.seq`,
      [poolId, from, to],
    );
    return rows.map(toRun);
  }
}

export interface CustomerTotal {
  customerId: string;
  netSats: bigint;
  arrearsDelta: bigint;
}

export interface RunTotals {
  chunksDone: number;
  contracts: number;
  grossSats: bigint;
  houseSats: bigint;
  electricityFeeMicroUsd: bigint;
  electricityFeeSats: bigint;
  managementFeeSats: bigint;
  arrearsCollectedSats: bigint;
  arrearsClearedMicroUsd: bigint;
  netSats: bigint;
  arrearsAddedMicroUsd: bigint;
  paused: number;
  inArrears: number;
  stateChanges?: number;
}

/** contract_settlements_YYYY_MM for the month of `day` (a validated 'YYYY-MM-DD'). */
export function partitionName(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`not a day: ${day}`);
  return `contract_settlements_${day.slice(0, 4)}_${day.slice(5, 7)}`;
}
