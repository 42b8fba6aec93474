import { WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, type Queue, UnrecoverableError } from 'bullmq';
import type { z } from 'zod';
import { DomainError } from '../errors/domain-error.js';
import type { JobSchedule } from './job-schedules.js';

export interface JobHandler {
  schema: z.ZodType;
  handle: (payload: never, job: Job) => Promise<unknown>;
}

/**
 * Base of every BullMQ processor: one queue (`@Processor(QUEUES.x)` on the subclass), a map
 * from job name to a zod schema and a handler. The payload is validated before any work; a
 * bad payload or a domain error is unrecoverable (retrying cannot help), anything else is
 * retried with backoff. The worker runtime (worker and all roles) creates the BullMQ worker,
 * checks at boot that every job name has a handler, registers `schedules` and closes the
 * worker on shutdown.
 */
export abstract class JobProcessor extends WorkerHost {
  protected readonly logger = new Logger(this.constructor.name);

  /** job name -> payload schema and handler; read at boot to prove every job has one. */
  abstract readonly handlers: Record<string, JobHandler>;

  /**
   * Repeating jobs of this queue (UTC cron), upserted by the worker runtime at boot and again
   * after Redis comes back. Override with a getter (it may read the injected config).
   */
  get schedules(): readonly JobSchedule[] {
    return [];
  }

  /** Jobs this process holds right now, with their lock token, so shutdown can release them. */
  private readonly running = new Map<string, { job: Job; token: string | undefined }>();

  private idleWaiters: (() => void)[] = [];

  async process(job: Job, token?: string): Promise<unknown> {
    const key = job.id ?? `${job.name}-${job.timestamp}`;
    this.running.set(key, { job, token });
    try {
      return await this.dispatch(job);
    } finally {
      this.running.delete(key);
      if (this.running.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Resolves once no job of this processor is running in this process. */
  whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Puts the jobs still running back in the wait list without spending an attempt, so another
   * worker picks them up now instead of after the lock expires. Called once this process's
   * worker is closed (so it cannot fetch them again), through a producer connection, when
   * shutdown's grace period runs out; the handlers are idempotent (Postgres decides what is done).
   */
  async releaseRunningJobs(queue: Queue): Promise<string[]> {
    const released: string[] = [];
    for (const [key, { job, token }] of this.running) {
      try {
        const current = job.id ? await Job.fromId(queue, job.id) : undefined;
        if (!current) continue;
        await current.moveToWait(token);
        released.push(key);
      } catch (error) {
        this.logger.warn(`could not release job ${key}: ${(error as Error).message}`);
      }
    }
    return released;
  }

  get runningJobCount(): number {
    return this.running.size;
  }

  private async dispatch(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name];
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
    const parsed = handler.schema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`invalid payload for "${job.name}": ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    }
    try {
      return await handler.handle(parsed.data as never, job);
    } catch (error) {
      if (error instanceof DomainError) throw new UnrecoverableError(`${error.code}: ${error.message}`);
      throw error;
    }
  }
}
