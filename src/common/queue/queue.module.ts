import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Global, Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { MetricsService } from '../metrics/metrics.service.js';
import { QUEUES } from './queue-names.js';

const registered = Object.values(QUEUES).map((name) => BullModule.registerQueue({ name }));

/** Registers every queue once so any module can inject a producer with @InjectQueue. */
@Global()
@Module({ imports: registered, exports: registered })
export class QueueModule implements OnModuleInit {
  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  private readonly logger = new Logger('Queues');

  onModuleInit(): void {
    const queues = allQueues(this.moduleRef);
    for (const queue of queues) {
      // Without a listener BullMQ prints every reconnect failure with its stack to stderr;
      // one structured warning per queue per 30 s says the same while Redis is away.
      let lastLoggedAt = 0;
      queue.on('error', (error: Error) => {
        if (Date.now() - lastLoggedAt < 30_000) return;
        lastLoggedAt = Date.now();
        this.logger.warn({ queue: queue.name, err: error.message }, 'queue connection error');
      });
    }
    this.metrics.addCollector(async () => {
      for (const queue of queues) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children');
        for (const [state, count] of Object.entries(counts)) this.metrics.queueDepth.set({ queue: queue.name, state }, count);
      }
    });
  }
}

export function allQueues(moduleRef: Pick<ModuleRef, 'get'>): Queue[] {
  return Object.values(QUEUES).map((name) => moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
}
