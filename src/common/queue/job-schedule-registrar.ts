import { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { type JobSchedule, upsertJobSchedule } from './job-schedules.js';

/** The schedules one processor declares, with the producer of its queue. */
export interface DeclaredSchedules {
  owner: string;
  queue: Queue;
  schedules: readonly JobSchedule[];
}

/**
 * The one place job schedules reach Redis. Processors declare them (`JobProcessor.schedules`);
 * the worker runtime hands them here. They are upserted at boot, again as soon as Redis answers
 * after a lost connection, and on a timer that looks each one up and declares again the ones
 * Redis no longer holds: a FLUSHALL (or a Redis restarted empty behind a proxy) drops every
 * scheduler without closing any connection, and nothing else would bring them back before the
 * next worker restart. Upserting is idempotent under a stable id, so every worker doing it
 * still leaves one scheduler per id.
 */
export class JobScheduleRegistrar {
  private readonly logger = new Logger(JobScheduleRegistrar.name);
  private timer?: NodeJS.Timeout;
  private checking?: Promise<unknown>;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly declared: readonly DeclaredSchedules[]) {}

  /** Upserts every declared schedule (at boot: a changed cron in the configuration takes effect). */
  async declareAll(): Promise<void> {
    for (const { queue, schedules } of this.declared) for (const schedule of schedules) await upsertJobSchedule(queue, schedule);
  }

  /** Declares again the schedules Redis does not hold; returns their ids. */
  async restoreMissing(): Promise<string[]> {
    const restored: string[] = [];
    for (const { queue, schedules } of this.declared) {
      for (const schedule of schedules) {
        if (await queue.getJobScheduler(schedule.id)) continue;
        await upsertJobSchedule(queue, schedule);
        restored.push(schedule.id);
      }
    }
    return restored;
  }

  /** Checks every `intervalMs` (one check at a time; a failed check waits for the next tick). */
  start(intervalMs: number): void {
    if (this.declared.every((d) => d.schedules.length === 0)) return;
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  /** After a lost connection: upsert everything as soon as Redis answers, backing off up to 5 s. */
  redeclareSoon(): void {
    if (this.stopped || this.retry) return;
    const attempt = (delayMs: number) => {
      this.retry = setTimeout(() => {
        if (this.stopped) return;
        this.declareAll().then(
          () => (this.retry = undefined),
          () => attempt(Math.min(delayMs * 2, 5000)),
        );
      }, delayMs);
      this.retry.unref();
    };
    attempt(250);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    await this.checking;
  }

  private check(): void {
    if (this.checking || this.stopped) return;
    this.checking = this.restoreMissing()
      .then((restored) => {
        if (restored.length > 0) this.logger.warn(`job schedules missing from Redis declared again: ${restored.join(', ')}`);
      })
      .catch(() => undefined) // Redis away: the reconnect path and the next tick try again
      .finally(() => (this.checking = undefined));
  }
}
