import { BullModule, Processor } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { z } from 'zod';
import { JobProcessor } from '../../src/common/queue/job-processor.js';
import { dailySchedule } from '../../src/common/queue/job-schedules.js';

/**
 * A processor of the tests' own, built on the same JobProcessor base and run by the same
 * worker runtime as the app's, on a queue no app code uses: tests of the queue plumbing then
 * do not depend on what a feature module's job does.
 */
export const PROBE_QUEUE = 'test-probe';
export const PROBE_JOBS = { echo: 'echo', hold: 'hold' } as const;
export const PROBE_SCHEDULE = dailySchedule('test-probe-daily', PROBE_JOBS.echo, '03:15', { value: 'scheduled' });
export const PROBE_DECLARED = Object.values(PROBE_JOBS).map((job) => ({ queue: PROBE_QUEUE, job }));

/** Gates that `hold` jobs wait on, opened by the test (so "in flight" needs no sleeping). */
const gates = new Map<string, { promise: Promise<void>; open: () => void }>();
function gate(name: string) {
  let entry = gates.get(name);
  if (!entry) {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    entry = { promise, open };
    gates.set(name, entry);
  }
  return entry;
}
export const openGate = (name: string) => gate(name).open();
/** Names of the gates a running `hold` job is waiting at (its handler has started). */
const waitingAt = new Set<string>();
export const isWaitingAt = (name: string) => waitingAt.has(name);

@Processor(PROBE_QUEUE)
export class ProbeProcessor extends JobProcessor {
  override get schedules() {
    return [PROBE_SCHEDULE];
  }

  readonly handlers = {
    [PROBE_JOBS.echo]: {
      schema: z.object({ value: z.string() }).strict(),
      handle: async (payload: { value: string }) => ({ echoed: payload.value }),
    },
    [PROBE_JOBS.hold]: {
      schema: z.object({ gate: z.string() }).strict(),
      handle: async (payload: { gate: string }) => {
        waitingAt.add(payload.gate);
        await gate(payload.gate).promise;
        return { released: payload.gate };
      },
    },
  };
}

@Module({
  imports: [BullModule.registerQueue({ name: PROBE_QUEUE })],
  providers: [ProbeProcessor],
  exports: [BullModule],
})
export class ProbeModule {}
