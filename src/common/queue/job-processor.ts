import { WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import type { z } from 'zod';
import { DomainError } from '../errors/domain-error.js';

/**
 * Base of every BullMQ processor: one queue, a map from job name to a zod schema and a
 * handler. The payload is validated before any work; a bad payload or a domain error is
 * unrecoverable (retrying cannot help), anything else is retried with backoff.
 */
export abstract class JobProcessor extends WorkerHost {
  protected readonly logger = new Logger(this.constructor.name);

  /** job name -> payload schema and handler; read at boot to prove every job has one. */
  abstract readonly handlers: Record<string, { schema: z.ZodType; handle: (payload: never, job: Job) => Promise<unknown> }>;

  async process(job: Job): Promise<unknown> {
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
