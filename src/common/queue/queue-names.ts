/**
 * Every queue and job name in one place. A job id is a business key without ':'
 * (BullMQ reserves it), e.g. `settle-pool-12-20240420`.
 */
export const QUEUES = {
  maintenance: 'maintenance',
  payouts: 'payouts',
  capacity: 'capacity',
  contracts: 'contracts',
  settlement: 'settlement',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  maintenance: {
    purgeExpiredRefreshTokens: 'purge-expired-refresh-tokens',
  },
  payouts: {
    runAutoPayouts: 'run-auto-payouts',
  },
  capacity: {
    applyDueRoutingChanges: 'apply-due-routing-changes',
  },
  contracts: {
    advanceLifecycle: 'advance-contract-lifecycle',
  },
  settlement: {
    /** Daily: opens runs for due days and kicks the days whose inputs are present. */
    schedule: 'schedule-settlement',
    /** Re-enqueues runs that are due or stuck (on worker start and periodically). */
    sweep: 'sweep-settlement',
    /** Prepares the day's pending runs and starts the day's flow. */
    settleDay: 'settle-day',
    /** One customer-id range of one run. */
    settleChunk: 'settle-chunk',
    /** Parent of a run's chunks: posts the ledger entries and completes the run. */
    finalizeRun: 'finalize-run',
    /** Parent of the day's runs: writes the day's summary. */
    summarizeDay: 'summarize-day',
  },
} as const satisfies Record<keyof typeof QUEUES, Record<string, string>>;

/** All (queue, job) pairs that must have a handler when the worker boots. */
export function allJobNames(): { queue: QueueName; job: string }[] {
  return Object.entries(JOBS).flatMap(([queueKey, jobs]) => Object.values(jobs).map((job) => ({ queue: QUEUES[queueKey as keyof typeof QUEUES], job })));
}

export function assertJobId(id: string): string {
  if (id.includes(':')) throw new Error(`job id "${id}" must not contain ':'`);
  return id;
}
