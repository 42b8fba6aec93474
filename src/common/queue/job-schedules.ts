import type { Queue } from 'bullmq';
import { assertJobId } from './queue-names.js';

/** A repeating job: BullMQ job scheduler `id` enqueues `job` at each tick of `cron` (UTC). */
export interface JobSchedule {
  /** Stable business key of the scheduler, without ':' (e.g. `purge-expired-refresh-tokens-daily`). */
  id: string;
  /** Job name, declared in queue-names.ts and handled by the processor that declares the schedule. */
  job: string;
  /** Five-field cron pattern, always read in UTC. */
  cron: string;
  /** Payload of every enqueued job; validated against the handler's schema at boot. */
  data?: Record<string, unknown>;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Cron pattern for once a day at `hh:mm` UTC, e.g. dailyAtUtc('03:15') -> '15 3 * * *'. */
export function dailyAtUtc(hhmm: string): string {
  const match = HH_MM.exec(hhmm);
  if (!match) throw new Error(`daily schedule time "${hhmm}" must be HH:MM (UTC)`);
  return `${Number.parseInt(match[2], 10)} ${Number.parseInt(match[1], 10)} * * *`;
}

/** A schedule that runs `job` once a day at `hhmm` UTC. */
export function dailySchedule(id: string, job: string, hhmm: string, data?: Record<string, unknown>): JobSchedule {
  return { id, job, cron: dailyAtUtc(hhmm), data };
}

/**
 * Upserts one job scheduler at a UTC cron. Idempotent: every worker calls it (through the
 * JobScheduleRegistrar), and BullMQ keeps a single scheduler (and a single next job) per id.
 */
export async function upsertJobSchedule(queue: Queue, schedule: JobSchedule): Promise<void> {
  assertJobId(schedule.id);
  await queue.upsertJobScheduler(schedule.id, { pattern: schedule.cron, tz: 'UTC' }, { name: schedule.job, data: schedule.data ?? {} });
}
