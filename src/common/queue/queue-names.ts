/**
 * Every queue and job name in one place. A job id is a business key without ':'
 * (BullMQ reserves it), e.g. `settle-pool-12-20240420`.
 */
export const QUEUES = {
  maintenance: 'maintenance',
  payouts: 'payouts',
  capacity: 'capacity',
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
} as const satisfies Record<keyof typeof QUEUES, Record<string, string>>;

/** All (queue, job) pairs that must have a handler when the worker boots. */
export function allJobNames(): { queue: QueueName; job: string }[] {
  return Object.entries(JOBS).flatMap(([queueKey, jobs]) =>
    Object.values(jobs).map((job) => ({ queue: QUEUES[queueKey as keyof typeof QUEUES], job })),
  );
}

export function assertJobId(id: string): string {
  if (id.includes(':')) throw new Error(`job id "${id}" must not contain ':'`);
  return id;
}
