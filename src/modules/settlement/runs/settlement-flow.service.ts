import { InjectFlowProducer, InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { FlowJob, FlowProducer, Queue } from 'bullmq';
import { JOBS, QUEUES } from '../../../common/queue/queue-names.js';
import type { SettlementRun } from '../entities/settlement-run.entity.js';
import { chunkJobId, dayJobId, runJobId, summaryJobId } from '../settlement-ids.js';
import type { ChunkRow } from './settlement-runs.repository.js';

export const SETTLEMENT_FLOW_PRODUCER = 'settlement';

const CHILD_OPTS = { attempts: 8, backoff: { type: 'exponential', delay: 1000 } } as const;

/**
 * Puts settlement work on the queue. Every id is a business key, so adding the same work twice
 * (a duplicate trigger, the sweep after a lost Redis) adds nothing: Postgres decides what is done.
 */
@Injectable()
export class SettlementFlowService {
  constructor(
    @InjectQueue(QUEUES.settlement) private readonly queue: Queue,
    @InjectFlowProducer(SETTLEMENT_FLOW_PRODUCER) private readonly flows: FlowProducer,
  ) {}

  /** Asks a worker to prepare the day's pending runs; one such job per day at a time. */
  async kickDay(day: string): Promise<void> {
    await this.queue.add(JOBS.settlement.settleDay, { day }, { jobId: dayJobId(day), removeOnComplete: true, removeOnFail: true, attempts: 3 });
  }

  /**
   * The day's flow for one generation: the day summary as parent, a finalize job per run as its
   * children, and each run's chunks under its finalize job.
   */
  async addDayFlow(day: string, generation: number, runs: { run: SettlementRun; chunks: ChunkRow[] }[]): Promise<number> {
    if (runs.length === 0) return 0;
    const flow: FlowJob = {
      name: JOBS.settlement.summarizeDay,
      queueName: QUEUES.settlement,
      data: { day, generation },
      opts: { jobId: summaryJobId(day, generation), ...CHILD_OPTS },
      children: runs.map(({ run, chunks }) => ({
        name: JOBS.settlement.finalizeRun,
        queueName: QUEUES.settlement,
        data: { runId: run.id },
        opts: { jobId: runJobId(run), ...CHILD_OPTS },
        children: chunks.map((chunk) => ({
          name: JOBS.settlement.settleChunk,
          queueName: QUEUES.settlement,
          data: { runId: run.id, chunkNo: chunk.chunkNo },
          opts: { jobId: chunkJobId(run, chunk.chunkNo), ...CHILD_OPTS },
        })),
      })),
    };
    await this.flows.add(flow);
    return 1 + runs.length + runs.reduce((n, r) => n + r.chunks.length, 0);
  }

  /** Retries the run's jobs that failed for good (transient errors past their attempts). */
  async retryFailedJobs(run: SettlementRun, chunks: ChunkRow[]): Promise<number> {
    let retried = 0;
    for (const id of [runJobId(run), ...chunks.filter((c) => c.status !== 'done').map((c) => chunkJobId(run, c.chunkNo))]) {
      const job = await this.queue.getJob(id);
      if (job && (await job.getState()) === 'failed') {
        await job.retry('failed');
        retried++;
      }
    }
    return retried;
  }
}
