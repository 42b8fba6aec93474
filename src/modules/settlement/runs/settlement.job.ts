import { Processor } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '../../../common/errors/domain-error.js';
import { JobProcessor } from '../../../common/queue/job-processor.js';
import { dailySchedule, type JobSchedule } from '../../../common/queue/job-schedules.js';
import { JOBS, QUEUES } from '../../../common/queue/queue-names.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import type { AppConfig } from '../../../config/config.schema.js';
import { SettlementEngine } from '../engine/settlement-engine.service.js';
import { SettlementRunsService } from './settlement-runs.service.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const runId = z.string().regex(/^\d+$/);

/**
 * The settlement queue's worker. Locks are short and renewed every 5 s, and stalled jobs are
 * looked for every 10 s, so the chunk of a killed worker is taken again within about 25 s
 * (BullMQ's defaults would take a minute). Each handler calls one service method; Postgres
 * decides whether the work is already done.
 */
@Processor(QUEUES.settlement, { lockDuration: 15_000, stalledInterval: 10_000, maxStalledCount: 5 })
export class SettlementProcessor extends JobProcessor implements OnApplicationBootstrap {
  readonly handlers = {
    [JOBS.settlement.schedule]: {
      schema: z.object({}).passthrough(),
      handle: async () => this.runs.schedule(),
    },
    [JOBS.settlement.sweep]: {
      schema: z.object({}).passthrough(),
      handle: async () => this.runs.sweep(),
    },
    [JOBS.settlement.settleDay]: {
      schema: z.object({ day }).strict(),
      handle: async (payload: { day: string }) => this.runs.settleDay(payload.day),
    },
    [JOBS.settlement.settleChunk]: {
      schema: z.object({ runId, chunkNo: z.number().int().min(0) }).strict(),
      handle: async (payload: { runId: string; chunkNo: number }) =>
        this.failRunOnDomainError(payload.runId, () => this.engine.settleChunk(payload.runId, payload.chunkNo)),
    },
    [JOBS.settlement.finalizeRun]: {
      schema: z.object({ runId }).strict(),
      handle: async (payload: { runId: string }) => {
        const completed = await this.failRunOnDomainError(payload.runId, () => this.engine.finalize(payload.runId));
        await this.runs.afterRunCompleted(payload.runId);
        return { completed };
      },
    },
    [JOBS.settlement.summarizeDay]: {
      schema: z.object({ day, generation: z.number().int().min(1) }).strict(),
      handle: async (payload: { day: string }) => this.engine.summarizeDay(payload.day),
    },
  };

  /** Daily at SETTLEMENT_DAILY_AT_UTC, in workers where the settlement scheduler is enabled (as the sweep). */
  override get schedules(): JobSchedule[] {
    if (!this.config.SETTLEMENT_SCHEDULER_ENABLED) return [];
    return [dailySchedule(JOBS.settlement.schedule, JOBS.settlement.schedule, this.config.SETTLEMENT_DAILY_AT_UTC, {})];
  }

  constructor(
    private readonly engine: SettlementEngine,
    private readonly runs: SettlementRunsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.SETTLEMENT_CONCURRENCY;
  }

  private async failRunOnDomainError<T>(id: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DomainError) await this.engine.fail(id, `${error.code}: ${error.message}`);
      throw error;
    }
  }
}

/**
 * Starts the sweep. The sweep runs on a timer in each worker process, not
 * on a Redis schedule, so it also runs after Redis lost everything.
 */
@Injectable()
export class SettlementSweeper implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(SettlementSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private shutdownStartedAt?: number;

  constructor(
    private readonly runs: SettlementRunsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.SETTLEMENT_SCHEDULER_ENABLED) return;
    const tick = () => {
      if (this.running || this.shutdownStartedAt !== undefined) return;
      this.running = this.runs
        .sweep()
        .catch((error: unknown) => this.logger.error(`settlement sweep failed: ${String((error as Error)?.message ?? error)}`))
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.config.SETTLEMENT_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Shutdown begins (the first hook): no new sweep from now on. */
  onModuleDestroy(): void {
    this.shutdownStartedAt = Date.now();
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * A sweep in flight gets what is left of the shutdown grace period, like a running job; one
   * stuck on a Postgres that does not answer is abandoned then (a sweep only re-adds what
   * Postgres says is due, so the next worker's sweep redoes it), and the pool's close cuts its
   * connection. Waiting for it unbounded kept the process up until SHUTDOWN_TIMEOUT_MS.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const running = this.running;
    if (!running) return;
    const leftMs = Math.max(0, (this.shutdownStartedAt ?? Date.now()) + this.config.WORKER_SHUTDOWN_GRACE_MS - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      timer = setTimeout(() => resolve('grace-over'), leftMs);
    });
    const outcome = await Promise.race([running.then(() => 'finished' as const), graceOver]);
    clearTimeout(timer);
    if (outcome === 'grace-over') this.logger.warn('settlement sweep still running after the shutdown grace period: abandoned');
  }
}
