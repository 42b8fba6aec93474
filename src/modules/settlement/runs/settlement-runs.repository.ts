import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { tryAdvisoryLock, type HeldAdvisoryLock } from '../../../database/advisory-lock.js';
import { columnsOf, queryEntities, resultRows, type Db } from '../../../database/data-access.js';
import { SettlementChunk } from '../entities/settlement-chunk.entity.js';
import { SettlementRun, type RunStatus } from '../entities/settlement-run.entity.js';
import type { RunTotals } from '../settlement.types.js';

export interface RunListFilter {
  from?: string;
  to?: string;
  poolId?: string;
  status?: RunStatus;
  /** Keyset: (day, pool, seq) strictly before this, newest first. */
  before?: { day: string; poolId: string; seq: number };
  limit: number;
}

/** What prepare fixes on a run: its inputs, the split's parameters and its chunk count. */
export interface PreparedRun {
  generation: number;
  earningsSats: bigint;
  earningsRevision: number;
  btcUsd: string;
  soldGhs: bigint;
  onlineGhs: bigint;
  deliveredGhs: bigint | null;
  ratioPpm: number;
  houseWeight: string;
  totalWeight: string;
  leftoverSats: bigint;
  thresholdRem: string | null;
  thresholdKind: number | null;
  thresholdContractId: string | null;
  housePlannedSats: bigint;
  contractCount: number;
  chunkCount: number;
}

/** A run's chunk as the flow and the finalizer use it. */
export type ChunkRow = Pick<SettlementChunk, 'runId' | 'chunkNo' | 'idFrom' | 'idTo' | 'status'>;
export const CHUNK_FIELDS = ['runId', 'chunkNo', 'idFrom', 'idTo', 'status'] as const;

/** contract_settlements_YYYY_MM for the month of `day` (a validated 'YYYY-MM-DD'). */
export function partitionName(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`not a day: ${day}`);
  return `contract_settlements_${day.slice(0, 4)}_${day.slice(5, 7)}`;
}

/** SQL for settlement runs (one per pool, day and seq), their chunk list, the day summaries and the month partitions. */
@Injectable()
export class SettlementRunsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private db(manager?: EntityManager): Db {
    return manager ?? this.dataSource;
  }

  /**
   * The sweep's session advisory lock (one sweep at a time across workers), taken on a connection
   * of its own and held there until `release()`: taken and released on two pooled connections
   * it leaked (see tryAdvisoryLock). Null when another worker's sweep holds it.
   */
  trySweepLock(): Promise<HeldAdvisoryLock | null> {
    return tryAdvisoryLock(this.dataSource, 'settlement_sweep');
  }

  /** Runs matching `where` (over alias r), in `order`; `suffix` for FOR UPDATE or LIMIT. */
  private runs(db: Db, where: string, params: unknown[], order = 'r.day, r.pool_id, r.seq', suffix = ''): Promise<SettlementRun[]> {
    return queryEntities(
      db,
      SettlementRun,
      `SELECT ${columnsOf(db, SettlementRun, 'r')} FROM settlement_runs r WHERE ${where} ORDER BY ${order} ${suffix}`,
      params,
    );
  }

  /** Creates the (pool, day, seq) run unless it exists; returns the stored row either way. */
  async insertRunIfAbsent(
    manager: EntityManager,
    run: { poolId: string; day: string; seq: number; status: RunStatus; waitingReason: string | null; triggeredBy: string; earningsSats?: bigint | null },
  ): Promise<{ run: SettlementRun; created: boolean }> {
    const [inserted] = await queryEntities(
      manager,
      SettlementRun,
      `INSERT INTO settlement_runs AS r (pool_id, day, seq, status, waiting_reason, triggered_by, earnings_sats, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())
       ON CONFLICT (pool_id, day, seq) DO NOTHING
       RETURNING ${columnsOf(manager, SettlementRun, 'r')}`,
      [run.poolId, run.day, run.seq, run.status, run.waitingReason, run.triggeredBy, run.earningsSats?.toString() ?? null],
    );
    if (inserted) return { run: inserted, created: true };
    const existing = await this.findRunByKey(run.poolId, run.day, run.seq, manager);
    return { run: existing!, created: false };
  }

  async findRun(id: string, manager?: EntityManager): Promise<SettlementRun | null> {
    return (await this.runs(this.db(manager), 'r.id = $1', [id]))[0] ?? null;
  }

  async findRunByKey(poolId: string, day: string, seq: number, manager?: EntityManager): Promise<SettlementRun | null> {
    return (await this.runs(this.db(manager), 'r.pool_id = $1 AND r.day = $2 AND r.seq = $3', [poolId, day, seq]))[0] ?? null;
  }

  /** Row-locks the run: every state change of a run happens under this lock. */
  async lockRun(manager: EntityManager, id: string): Promise<SettlementRun | null> {
    return (await this.runs(manager, 'r.id = $1', [id], 'r.id', 'FOR UPDATE'))[0] ?? null;
  }

  /** Every run of the pool and day, adjustments included, in seq order. */
  runsOfPoolDay(poolId: string, day: string, manager?: EntityManager): Promise<SettlementRun[]> {
    return this.runs(this.db(manager), 'r.pool_id = $1 AND r.day = $2', [poolId, day], 'r.seq');
  }

  runsOfDays(days: string[]): Promise<SettlementRun[]> {
    return this.runs(this.dataSource, 'r.day = ANY($1::date[])', [days]);
  }

  /** Runs not completed: what the sweep and the scheduler look at. */
  openRuns(manager?: EntityManager): Promise<SettlementRun[]> {
    return this.runs(this.db(manager), `r.status <> 'completed'`, []);
  }

  runsOfGeneration(day: string, generation: number, manager?: EntityManager): Promise<SettlementRun[]> {
    return this.runs(this.db(manager), 'r.day = $1 AND r.generation = $2', [day, generation], 'r.pool_id, r.seq');
  }

  /**
   * The run that (day, seq) of the pool must wait for, or null: an earlier one not completed
   * (runs of a pool settle in order), or another one running (a run's carried state must not
   * change under another's chunks; uq_settlement_runs_running_pool enforces it).
   */
  async runToWaitFor(manager: EntityManager, poolId: string, day: string, seq: number): Promise<SettlementRun | null> {
    const where = `r.pool_id = $1 AND r.status <> 'completed'
      AND ((r.day, r.seq) < ($2::date, $3::smallint) OR (r.status = 'running' AND (r.day, r.seq) <> ($2::date, $3::smallint)))`;
    return (await this.runs(manager, where, [poolId, day, seq], 'r.day, r.seq', 'LIMIT 1'))[0] ?? null;
  }

  /** Days among `days` that have a pending run, in order. */
  async daysWithPendingRuns(days: string[]): Promise<string[]> {
    const rows: { day: string }[] = await this.dataSource.query(
      `SELECT DISTINCT day::text AS day FROM settlement_runs WHERE status = 'pending' AND day = ANY($1::date[]) ORDER BY 1`,
      [days],
    );
    return rows.map((r) => r.day);
  }

  /** The pool's first pending day (runs of a pool settle in day order), or null. */
  async nextPendingDay(poolId: string): Promise<string | null> {
    const rows: { day: string }[] = await this.dataSource.query(
      `SELECT day::text AS day FROM settlement_runs WHERE pool_id = $1 AND status = 'pending' ORDER BY day, seq LIMIT 1`,
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
    const rows = resultRows<{ outcome: 'replanned' | 'resumed' }>(
      await manager.query(
        `UPDATE settlement_runs r
          SET status = CASE WHEN r.credits_started_at IS NULL THEN 'pending' ELSE 'running' END,
              attempt = CASE WHEN r.credits_started_at IS NULL THEN r.attempt + 1 ELSE r.attempt END,
              error = NULL, waiting_reason = NULL, updated_at = now()
        WHERE r.id = $1 AND r.status = 'failed'
          AND (r.credits_started_at IS NULL
               OR NOT EXISTS (SELECT 1 FROM settlement_runs o WHERE o.pool_id = r.pool_id AND o.status = 'running' AND o.id <> r.id))
        RETURNING CASE WHEN r.credits_started_at IS NULL THEN 'replanned' ELSE 'resumed' END AS outcome`,
        [id],
      ),
    );
    return rows[0]?.outcome ?? 'busy';
  }

  /** From now on the attempt's numbers are final: a failure resumes it rather than planning it again. */
  async markCreditsStarted(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`UPDATE settlement_runs SET credits_started_at = coalesce(credits_started_at, clock_timestamp()), updated_at = now() WHERE id = $1`, [
      id,
    ]);
  }

  async failRun(manager: EntityManager, id: string, error: string): Promise<void> {
    await manager.query(`UPDATE settlement_runs SET status = 'failed', error = $2, updated_at = now() WHERE id = $1 AND status <> 'completed'`, [
      id,
      error.slice(0, 2000),
    ]);
  }

  async markPrepared(manager: EntityManager, id: string, p: PreparedRun): Promise<void> {
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
        id,
        p.generation,
        p.earningsSats.toString(),
        p.earningsRevision,
        p.btcUsd,
        p.soldGhs.toString(),
        p.onlineGhs.toString(),
        p.deliveredGhs?.toString() ?? null,
        p.ratioPpm,
        p.houseWeight,
        p.totalWeight,
        p.leftoverSats.toString(),
        p.thresholdRem,
        p.thresholdKind,
        p.thresholdContractId,
        p.housePlannedSats.toString(),
        p.contractCount,
        p.chunkCount,
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
        id,
        totals.chunksDone,
        totals.grossSats.toString(),
        totals.houseSats.toString(),
        totals.electricityFeeSats.toString(),
        totals.electricityFeeMicroUsd.toString(),
        totals.managementFeeSats.toString(),
        totals.arrearsCollectedSats.toString(),
        totals.arrearsClearedMicroUsd.toString(),
        totals.netSats.toString(),
        totals.arrearsAddedMicroUsd.toString(),
        totals.paused,
        totals.inArrears,
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

  listRuns(filter: RunListFilter): Promise<SettlementRun[]> {
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
    return this.runs(this.dataSource, where.length ? where.join(' AND ') : 'true', params, 'r.day DESC, r.pool_id DESC, r.seq DESC', `LIMIT $${params.length}`);
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

  /** The run's chunks, in order (the flow's jobs and the finalizer's customer ranges). */
  chunksOf(runId: string, manager?: EntityManager): Promise<ChunkRow[]> {
    const db = this.db(manager);
    return queryEntities(
      db,
      SettlementChunk,
      `SELECT ${columnsOf(db, SettlementChunk, undefined, CHUNK_FIELDS)} FROM settlement_chunks WHERE run_id = $1 ORDER BY chunk_no`,
      [runId],
    );
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
}
