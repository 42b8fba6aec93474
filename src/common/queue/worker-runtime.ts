import { getQueueToken } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import { type ConnectionOptions, type Queue, Worker, type WorkerOptions } from 'bullmq';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { type DeclaredJob, findJobHandlerProblems, JobHandlerCheckError, type ProcessorDescription } from './job-handler-check.js';
import { JobProcessor } from './job-processor.js';
import { JobScheduleRegistrar } from './job-schedule-registrar.js';
import { redisOptionsFromUrl } from './redis-options.js';

/** The declared (queue, job) pairs the boot check holds the processors to. */
export const JOB_CATALOG = Symbol('JOB_CATALOG');

// Written by @Processor(name, workerOptions) from @nestjs/bullmq.
const PROCESSOR_METADATA = 'bullmq:processor_metadata';
const WORKER_METADATA = 'bullmq:worker_metadata';

interface Running {
  processor: JobProcessor;
  name: string;
  queue: string;
  worker: Worker;
}

/**
 * Runs the BullMQ workers of the worker and all roles. At boot it proves every declared job
 * has a handler (refusing to start otherwise, naming what is missing), then creates one worker
 * per processor with the configured concurrency, lock duration and stalled-job check, and
 * hands the processors' schedules to the one JobScheduleRegistrar (upserted at boot, again when
 * Redis comes back, and restored on a timer when a flushed Redis lost them). On shutdown each worker finishes its running jobs within the grace period;
 * what is still running then is released back to the wait list for another worker.
 */
@Injectable()
export class WorkerRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerRuntime.name);
  private readonly running: Running[] = [];
  private registrar?: JobScheduleRegistrar;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(JOB_CATALOG) private readonly catalog: DeclaredJob[],
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const processors = this.discoverProcessors();
    const problems = findJobHandlerProblems(
      this.catalog,
      processors.map((p) => p.description),
    );
    if (problems.length > 0) throw new JobHandlerCheckError(problems);

    for (const { processor, description, overrides } of processors) {
      const worker = new Worker(description.queue, (job, token) => processor.process(job, token), this.workerOptions(overrides));
      // WorkerHost exposes the worker to the subclass through this field.
      (processor as unknown as { _worker: Worker })._worker = worker;
      worker.on('failed', (job, error) => {
        this.logger.warn({ queue: description.queue, job: job?.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error.message }, 'job failed');
      });
      let lastErrorLoggedAt = 0; // one warning per 30 s while Redis is away, not one per retry
      worker.on('error', (error) => {
        if (Date.now() - lastErrorLoggedAt < 30_000) return;
        lastErrorLoggedAt = Date.now();
        this.logger.warn({ queue: description.queue, err: error.message }, 'worker connection error');
      });
      this.running.push({ processor, name: description.name, queue: description.queue, worker });
      // A restarted Redis may come back empty: declare the schedules again once it answers.
      (worker as unknown as NodeJS.EventEmitter).on('ioredis:close', () => this.registrar?.redeclareSoon());
    }
    const registrar = new JobScheduleRegistrar(
      processors.map(({ description }) => ({ owner: description.name, queue: this.queueFor(description.queue), schedules: description.schedules })),
    );
    this.registrar = registrar;
    await registrar.declareAll();
    registrar.start(this.config.JOB_SCHEDULES_CHECK_INTERVAL_MS);
    if (this.running.length > 0) {
      this.logger.log(`workers started: ${this.running.map((r) => `${r.queue} (${r.name}, concurrency ${r.worker.concurrency})`).join(', ')}`);
    }
  }

  /** Finish running jobs within the grace period, release the rest, then close the workers. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.registrar?.stop();
    const busy = this.running.filter((r) => r.processor.runningJobCount > 0);
    if (busy.length > 0) {
      this.logger.log(
        `stopping workers: ${busy.map((r) => `${r.queue} (${r.processor.runningJobCount} running)`).join(', ')}; grace ${this.config.WORKER_SHUTDOWN_GRACE_MS} ms`,
      );
    }
    await Promise.all(this.running.map((r) => this.closeWorker(r)));
  }

  private async closeWorker({ worker, processor, queue }: Running): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      timer = setTimeout(() => resolve('grace-over'), this.config.WORKER_SHUTDOWN_GRACE_MS);
    });
    // Stop taking jobs without BullMQ's own wait (a pending close or waiting pause cannot be
    // forced later, and leaves a connection open if the job finishes after a forced close),
    // then wait for the running jobs ourselves.
    await worker.pause(true);
    const outcome = await Promise.race([processor.whenIdle().then(() => 'finished' as const), graceOver]);
    clearTimeout(timer);
    if (outcome === 'finished') {
      // Nothing of ours is running: a forced close cannot cut a job short, and unlike a
      // graceful one it cannot wait forever on a job BullMQ fetched but never handed over
      // (that one would be stalled and picked up again after WORKER_LOCK_DURATION_MS).
      await worker.close(true);
      return;
    }
    // Close first, so this worker cannot fetch the released jobs again; release through the
    // producer connection, which closes later (onApplicationShutdown).
    await worker.close(true);
    const released = await processor.releaseRunningJobs(this.queueFor(queue));
    this.logger.warn(`queue ${queue}: shutdown grace period over, released ${released.length} running job(s) to the wait list: ${released.join(', ')}`);
  }

  private workerOptions(overrides: Partial<WorkerOptions>): WorkerOptions {
    return {
      connection: redisOptionsFromUrl(this.config.REDIS_URL) as ConnectionOptions,
      prefix: this.config.QUEUE_PREFIX,
      concurrency: this.config.WORKER_CONCURRENCY,
      lockDuration: this.config.WORKER_LOCK_DURATION_MS,
      stalledInterval: this.config.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: this.config.WORKER_MAX_STALLED_COUNT,
      ...overrides,
    };
  }

  private discoverProcessors(): { processor: JobProcessor; description: ProcessorDescription; overrides: Partial<WorkerOptions> }[] {
    return this.discovery
      .getProviders()
      .filter((wrapper) => wrapper.instance instanceof JobProcessor)
      .map((wrapper) => {
        const processor = wrapper.instance as JobProcessor;
        const type = processor.constructor;
        const meta = Reflect.getMetadata(PROCESSOR_METADATA, type) as { name?: string } | undefined;
        if (!meta?.name) throw new JobHandlerCheckError([`${type.name} extends JobProcessor but has no @Processor(QUEUES.<queue>) decorator`]);
        const overrides = (Reflect.getMetadata(WORKER_METADATA, type) as Partial<WorkerOptions> | undefined) ?? {};
        return {
          processor,
          overrides,
          description: {
            name: type.name,
            queue: meta.name,
            jobs: Object.keys(processor.handlers),
            schedules: processor.schedules,
            checkScheduleData: (schedule) => {
              const result = processor.handlers[schedule.job]?.schema.safeParse(schedule.data ?? {});
              return result && !result.success ? result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ') : undefined;
            },
          },
        };
      });
  }

  private queueFor(name: string): Queue {
    const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
    if (queue.listenerCount('error') === 0) {
      let lastLoggedAt = 0;
      queue.on('error', (error: Error) => {
        if (Date.now() - lastLoggedAt < 30_000) return;
        lastLoggedAt = Date.now();
        this.logger.warn({ queue: name, err: error.message }, 'queue connection error');
      });
    }
    return queue;
  }
}
