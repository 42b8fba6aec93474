import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../../common/clock/clock.js';
import type { AuditActor } from '../../audit/audit.service.js';
import { AuditService } from '../../audit/audit.service.js';
import { decodeCursor, toPage } from '../../../common/pagination/cursor.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import type { AppConfig } from '../../../config/config.schema.js';
import { TransactionRunner } from '../../../database/transaction.js';
import { addDays, utcDayOf } from '../../../common/clock/utc-day.js';
import { ContractsSettlementService } from '../../contracts/contracts-settlement.service.js';
import type { RunStatus, SettlementRun } from '../entities/settlement-run.entity.js';
import { SettlementEngine } from '../engine/settlement-engine.service.js';
import { SettlementInputsService } from '../inputs/settlement-inputs.service.js';
import { SettlementMetrics } from '../settlement.metrics.js';
import { EarningsInFutureError, RangeTooLongError } from '../settlement.errors.js';
import { SettlementFlowService } from './settlement-flow.service.js';
import { SettlementRunsRepository } from './settlement-runs.repository.js';

export const MAX_TRIGGER_DAYS = 366;

/** Days from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
}

/**
 * Opens and drives runs: which (pool, day) must settle, whether its inputs are there, the day
 * flows, the daily schedule and the sweep that recovers whatever the queue lost.
 */
@Injectable()
export class SettlementRunsService {
  private readonly logger = new Logger(SettlementRunsService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: SettlementRunsRepository,
    private readonly engine: SettlementEngine,
    private readonly flows: SettlementFlowService,
    private readonly inputs: SettlementInputsService,
    private readonly contracts: ContractsSettlementService,
    private readonly audit: AuditService,
    private readonly metrics: SettlementMetrics,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Finance (or the scheduler) asks for days to settle: opens a run per (pool, day) that needs
   * one, re-arms failed runs when asked explicitly (planned again under a new attempt, or resumed
   * when its customers' crediting had begun; see SettlementRunsRepository.retryRun), opens
   * adjustment runs for corrected earnings, and kicks every day with work ready. Returns the
   * runs of those days.
   */
  async trigger(from: string, to: string, actor: AuditActor, requestId: string | null, explicit: boolean): Promise<SettlementRun[]> {
    const today = utcDayOf(this.clock.now());
    if (to >= today || from > to) throw new EarningsInFutureError();
    const days = daysBetween(from, to);
    if (days.length > MAX_TRIGGER_DAYS) throw new RangeTooLongError(MAX_TRIGGER_DAYS);
    const triggeredBy = actor.userId ?? 'system';
    const resumed: SettlementRun[] = [];
    for (const day of days) {
      const pools = new Set([...(await this.contracts.poolsWithContractsOn(day)), ...(await this.inputs.poolsWithEarningsOn(day))]);
      for (const poolId of [...pools].sort()) {
        await this.tx.run(async (m) => {
          const { run, created } = await this.repository.insertRunIfAbsent(m, { poolId, day, seq: 0, status: 'waiting', waitingReason: null, triggeredBy });
          if (created && explicit) {
            await this.audit.record(m, {
              actor,
              action: 'settlement.run.opened',
              entityType: 'settlement_run',
              entityId: run.id,
              after: { poolId, day },
              requestId,
            });
          }
          if (run.status === 'failed' && explicit) {
            const outcome = await this.repository.retryRun(m, run.id);
            if (outcome === 'resumed') resumed.push(run);
            await this.audit.record(m, {
              actor,
              action: 'settlement.run.retried',
              entityType: 'settlement_run',
              entityId: run.id,
              before: { status: run.status, error: run.error, attempt: run.attempt },
              after: { outcome },
              requestId,
            });
          }
        });
        await this.refresh(poolId, day);
      }
    }
    for (const run of resumed) await this.resume(run.id);
    await this.kickReadyDays(days);
    return this.repository.runsOfDays(days);
  }

  /** Puts a resumed run's work back on the queue: its day flow, and its jobs that failed for good. */
  private async resume(runId: string): Promise<void> {
    const run = await this.repository.findRun(runId);
    if (!run || run.status !== 'running' || run.generation === null) return;
    await this.startFlow(run.day, run.generation);
    await this.flows.retryFailedJobs(run, await this.repository.chunksOf(run.id));
  }

  /**
   * Re-evaluates the runs of a (pool, day): waiting ones whose inputs arrived become pending,
   * those still waiting past the grace period become overdue (alert); a completed day whose
   * earnings were corrected gets an adjustment run for the difference.
   */
  async refresh(poolId: string, day: string): Promise<void> {
    const runs = await this.repository.runsOfPoolDay(poolId, day);
    for (const run of runs) {
      if (run.status !== 'waiting' && run.status !== 'overdue') continue;
      const inputs = await this.inputs.inputsFor(poolId, day);
      if (!inputs.missing) {
        await this.tx.run((m) => this.repository.setRunWaiting(m, run.id, 'pending', null));
        continue;
      }
      const dueBy = new Date(`${addDays(day, 1)}T00:00:00.000Z`).getTime() + this.config.SETTLEMENT_EARNINGS_GRACE_HOURS * 3_600_000;
      const overdue = this.clock.now().getTime() > dueBy;
      if (overdue && run.status !== 'overdue') {
        this.logger.warn(`settlement of pool ${poolId} for ${day} is overdue: ${inputs.missing}`);
      }
      await this.tx.run((m) => this.repository.setRunWaiting(m, run.id, overdue ? 'overdue' : 'waiting', inputs.missing));
    }
    const day0 = runs.find((r) => r.seq === 0);
    if (day0?.status === 'completed' && runs.every((r) => r.status === 'completed')) {
      const earnings = await this.inputs.findEarnings(poolId, day);
      const settled = runs.reduce((s, r) => s + (r.earningsSats ?? 0n), 0n);
      if (earnings && earnings.amountSats !== settled) {
        const seq = Math.max(...runs.map((r) => r.seq)) + 1;
        await this.tx.run((m) => this.repository.insertRunIfAbsent(m, { poolId, day, seq, status: 'pending', waitingReason: null, triggeredBy: 'system' }));
        this.logger.log(`earnings of pool ${poolId} for ${day} corrected: adjustment ${seq} opened for ${earnings.amountSats - settled} sats`);
      }
    }
  }

  /** Kicks a worker for every given day that has a pending run. */
  async kickReadyDays(days: string[]): Promise<void> {
    for (const day of await this.repository.daysWithPendingRuns(days)) await this.flows.kickDay(day);
  }

  /** The settle-day job: prepares the day's pending runs into a new flow generation and starts the flow. */
  async settleDay(day: string): Promise<{ prepared: number; jobs: number }> {
    const pending = (await this.repository.openRuns()).filter((r) => r.day === day && r.status === 'pending');
    if (pending.length === 0) return { prepared: 0, jobs: 0 };
    const generation = await this.tx.run((m) => this.repository.nextGeneration(m, day));
    let prepared = 0;
    for (const run of pending) if ((await this.engine.prepare(run.id, generation)) === 'prepared') prepared++;
    if (prepared === 0) return { prepared, jobs: 0 };
    const jobs = await this.startFlow(day, generation);
    return { prepared, jobs };
  }

  /** (Re-)adds the flow of a day generation from what Postgres holds. */
  async startFlow(day: string, generation: number): Promise<number> {
    const runs = (await this.repository.runsOfGeneration(day, generation)).filter((r) => r.status === 'running' || r.status === 'completed');
    const withChunks = await Promise.all(runs.map(async (run) => ({ run, chunks: await this.repository.chunksOf(run.id) })));
    return this.flows.addDayFlow(day, generation, withChunks);
  }

  /** After a run completes: the pool's next pending day (runs of a pool settle in order). */
  async afterRunCompleted(runId: string): Promise<void> {
    const run = await this.repository.findRun(runId);
    if (!run) return;
    await this.refresh(run.poolId, run.day);
    const next = await this.repository.nextPendingDay(run.poolId);
    if (next) await this.flows.kickDay(next);
  }

  /**
   * The sweep (on worker start and every SETTLEMENT_SWEEP_INTERVAL_MS): whatever Redis lost or a
   * worker left behind is put back on the queue from Postgres. Safe to run anywhere, any time.
   */
  async sweep(): Promise<{ running: number; pending: number; waiting: number }> {
    // One sweep at a time across workers: the session lock is held on one connection of its own
    // for the whole sweep (see SettlementRunsRepository.trySweepLock).
    const lock = await this.repository.trySweepLock();
    if (!lock) return { running: 0, pending: 0, waiting: 0 };
    try {
      await this.tx.run(async (m) => {
        const today = utcDayOf(this.clock.now());
        for (const offset of [0, 31, 62]) await this.repository.ensurePartition(m, addDays(`${today.slice(0, 7)}-01`, offset));
      });
      const open = await this.repository.openRuns();
      const waiting = open.filter((r) => r.status === 'waiting' || r.status === 'overdue');
      for (const run of waiting) await this.refresh(run.poolId, run.day);
      const running = open.filter((r) => r.status === 'running');
      const generations = new Map<string, { day: string; generation: number }>();
      for (const run of running) if (run.generation !== null) generations.set(`${run.day}:${run.generation}`, { day: run.day, generation: run.generation });
      for (const { day, generation } of generations.values()) await this.startFlow(day, generation);
      for (const run of running) await this.flows.retryFailedJobs(run, await this.repository.chunksOf(run.id));
      const stillOpen = await this.repository.openRuns();
      await this.kickReadyDays([...new Set(stillOpen.filter((r) => r.status === 'pending').map((r) => r.day))]);
      this.updateOverdueGauge(stillOpen);
      return { running: running.length, pending: stillOpen.filter((r) => r.status === 'pending').length, waiting: waiting.length };
    } finally {
      await lock.release();
    }
  }

  /** The daily job: opens the runs of the last SETTLEMENT_LOOKBACK_DAYS days up to yesterday. */
  async schedule(): Promise<void> {
    const yesterday = addDays(utcDayOf(this.clock.now()), -1);
    await this.trigger(addDays(yesterday, 1 - this.config.SETTLEMENT_LOOKBACK_DAYS), yesterday, { userId: null, role: 'system' }, null, false);
  }

  async list(filter: { from?: string; to?: string; poolId?: string; status?: RunStatus; cursor?: string; limit: number }) {
    const key = decodeCursor(filter.cursor, 3);
    const rows = await this.repository.listRuns({
      ...filter,
      before: key ? { day: String(key[0]), poolId: String(key[1]), seq: Number(key[2]) } : undefined,
    });
    return toPage(rows, filter.limit, (r) => [r.day, r.poolId, r.seq]);
  }

  private updateOverdueGauge(open: SettlementRun[]): void {
    this.metrics.earningsOverdue.reset();
    const counts = new Map<string, number>();
    for (const run of open) if (run.status === 'overdue') counts.set(run.poolId, (counts.get(run.poolId) ?? 0) + 1);
    for (const [poolId, n] of counts) this.metrics.earningsOverdue.set({ pool_id: poolId }, n);
  }
}
