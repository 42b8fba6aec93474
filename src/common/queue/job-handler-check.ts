import type { JobSchedule } from './job-schedules.js';

export interface DeclaredJob {
  queue: string;
  job: string;
}

/** What a processor class offers, as read from its instance at boot. */
export interface ProcessorDescription {
  name: string;
  queue: string;
  jobs: string[];
  schedules: readonly JobSchedule[];
  /** Validates a schedule's payload against the handler's schema; returns the problem or undefined. */
  checkScheduleData?: (schedule: JobSchedule) => string | undefined;
}

/**
 * The boot-time check of the worker roles: every declared job name has exactly one handler,
 * every processor listens on a declared queue and handles only declared job names, one
 * processor per queue (two would each take the other's jobs), and every schedule enqueues a
 * job its processor handles with a payload the handler accepts. Returns one sentence per
 * problem; empty when the worker may start.
 */
export function findJobHandlerProblems(declared: readonly DeclaredJob[], processors: readonly ProcessorDescription[]): string[] {
  const problems: string[] = [];
  const declaredQueues = new Set(declared.map((d) => d.queue));
  const byQueue = new Map<string, ProcessorDescription[]>();
  for (const processor of processors) byQueue.set(processor.queue, [...(byQueue.get(processor.queue) ?? []), processor]);

  for (const [queue, owners] of byQueue) {
    if (owners.length > 1) {
      problems.push(
        `queue "${queue}" has ${owners.length} processors (${owners.map((p) => p.name).join(', ')}); a queue has one processor, or each worker would take the others' jobs`,
      );
    }
    if (!declaredQueues.has(queue)) {
      problems.push(`processor ${owners.map((p) => p.name).join(', ')} listens on queue "${queue}", which is not declared in queue-names.ts`);
    }
  }

  for (const { queue, job } of declared) {
    const owners = byQueue.get(queue) ?? [];
    if (!owners.some((p) => p.jobs.includes(job))) {
      problems.push(
        `job "${job}" of queue "${queue}" has no handler: add it to the handlers of a JobProcessor for that queue and register its module in WORKER_MODULES`,
      );
    }
  }

  for (const processor of processors) {
    if (!declaredQueues.has(processor.queue)) continue;
    const known = new Set(declared.filter((d) => d.queue === processor.queue).map((d) => d.job));
    for (const job of processor.jobs) {
      if (!known.has(job)) problems.push(`${processor.name} handles "${job}", which is not declared for queue "${processor.queue}" in queue-names.ts`);
    }
    const ids = new Set<string>();
    for (const schedule of processor.schedules) {
      if (ids.has(schedule.id)) problems.push(`${processor.name} declares schedule "${schedule.id}" twice`);
      ids.add(schedule.id);
      if (!processor.jobs.includes(schedule.job)) {
        problems.push(`schedule "${schedule.id}" of ${processor.name} enqueues "${schedule.job}", which ${processor.name} does not handle`);
        continue;
      }
      const dataProblem = processor.checkScheduleData?.(schedule);
      if (dataProblem) problems.push(`schedule "${schedule.id}" of ${processor.name} has a payload its handler refuses: ${dataProblem}`);
    }
  }
  return problems;
}

/** Raised at boot when the check fails; main prints its one-line message and exits non-zero. */
export class JobHandlerCheckError extends Error {
  constructor(readonly problems: string[]) {
    super(`Worker refused to start: ${problems.join('; ')}`);
    this.name = 'JobHandlerCheckError';
  }
}
