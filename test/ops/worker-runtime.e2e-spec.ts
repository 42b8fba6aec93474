import { getQueueToken } from '@nestjs/bullmq';
import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import { createWorkerContext } from '../../src/app/create-app.js';
import { shutDown } from '../../src/app/shutdown.js';
import { JobHandlerCheckError } from '../../src/common/queue/job-handler-check.js';
import { allJobNames } from '../../src/common/queue/queue-names.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createTestDatabase } from '../support/test-database.js';
import { TEST_REDIS_URL } from '../support/test-env.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { canConnect, eventually } from '../support/processes.js';
import { PROBE_DECLARED, PROBE_JOBS, PROBE_QUEUE, PROBE_SCHEDULE, ProbeModule, ProbeProcessor, isWaitingAt, openGate } from '../support/probe-processor.js';

const probeQueue = (t: TestApp) => t.app.get<Queue>(getQueueToken(PROBE_QUEUE), { strict: false });

describe('worker runtime', () => {
  it('boots the real app in the worker role: every job declared in queue-names.ts has a handler', async () => {
    const database = await createTestDatabase();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    });
    expect(allJobNames().length).toBeGreaterThan(0);
    const app = await createWorkerContext({ config, role: 'worker' });
    await app.close();
    await database.drop();
  });

  it('refuses to boot, naming the job, when a declared job has no handler', async () => {
    const missing = { queue: PROBE_QUEUE, job: 'reconcile-everything' };
    const started = startTestApp({ role: 'worker', testModules: [ProbeModule], testJobs: [...PROBE_DECLARED, missing] });
    await expect(started).rejects.toThrow(JobHandlerCheckError);
    await expect(started).rejects.toThrow('job "reconcile-everything" of queue "test-probe" has no handler');
  });

  it('refuses to boot when a processor listens on a queue that queue-names.ts does not declare', async () => {
    await expect(startTestApp({ role: 'worker', testModules: [ProbeModule] })).rejects.toThrow(
      'processor ProbeProcessor listens on queue "test-probe", which is not declared in queue-names.ts',
    );
  });

  describe('with the probe processor', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        testModules: [ProbeModule],
        testJobs: PROBE_DECLARED,
        env: { WORKER_CONCURRENCY: '3', WORKER_LOCK_DURATION_MS: '12000', WORKER_STALLED_INTERVAL_MS: '7000', WORKER_MAX_STALLED_COUNT: '2' },
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('creates the worker with the configured concurrency, lock duration and stalled-job check', () => {
      const worker = t.app.get(ProbeProcessor).worker;
      expect(worker.concurrency).toBe(3);
      expect(worker.opts).toMatchObject({ lockDuration: 12000, stalledInterval: 7000, maxStalledCount: 2, prefix: t.config.QUEUE_PREFIX });
      expect(worker.isRunning()).toBe(true);
    });

    it('processes a job and validates its payload before any work', async () => {
      const queue = probeQueue(t);
      const good = await queue.add(PROBE_JOBS.echo, { value: 'hello' });
      const bad = await queue.add(PROBE_JOBS.echo, { value: 42 }, { attempts: 3 });
      await eventually(async () => (await good.getState()) === 'completed', 'the job to complete');
      expect((await queue.getJob(good.id!))?.returnvalue).toEqual({ echoed: 'hello' });
      await eventually(async () => (await bad.getState()) === 'failed', 'the bad job to fail');
      const failed = await queue.getJob(bad.id!);
      expect(failed?.failedReason).toContain('invalid payload for "echo": value');
      expect(failed?.attemptsMade).toBe(1); // unrecoverable: not retried
    });

    it('registers the declared schedule as a UTC cron job scheduler', async () => {
      const scheduler = await probeQueue(t).getJobScheduler(PROBE_SCHEDULE.id);
      expect(scheduler).toMatchObject({ name: PROBE_JOBS.echo, pattern: '15 3 * * *', tz: 'UTC' });
      const next = new Date(scheduler!.next!);
      expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([3, 15, 0]);
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);
    });
  });

  describe('shutdown', () => {
    it('stops HTTP, waits for the job in flight to finish, then closes', async () => {
      const t = await startTestApp({ testModules: [ProbeModule], testJobs: PROBE_DECLARED });
      const queue = probeQueue(t);
      const job = await queue.add(PROBE_JOBS.hold, { gate: `finish-${suffix()}` });
      await eventually(async () => isWaitingAt(job.data.gate), 'the job handler to start');

      let closed = false;
      const closing = shutDown(t.app, t.app).then(() => (closed = true));
      const port = new URL(t.baseUrl).port;
      await eventually(async () => !(await canConnect(Number(port))), 'the HTTP listener to close');
      expect(closed).toBe(false); // the job still holds the shutdown

      openGate(job.data.gate);
      await closing;
      const state = await t.db.query('SELECT 1'); // the test's own pool is still usable
      expect(state.rowCount).toBe(1);
      await t.close();
    });

    it('releases a job still running when the grace period is over: back to waiting, no attempt spent', async () => {
      const t = await startTestApp({ testModules: [ProbeModule], testJobs: PROBE_DECLARED, env: { WORKER_SHUTDOWN_GRACE_MS: '500' } });
      const queue = probeQueue(t);
      const gate = `never-${suffix()}`; // never opened: the job is stuck, as a hung one would be
      const job = await queue.add(PROBE_JOBS.hold, { gate });
      await eventually(async () => isWaitingAt(gate), 'the job handler to start');

      // A producer-only copy of the queue survives the app's shutdown, to look at the job afterwards.
      const observer = await startTestApp({ role: 'api', env: { QUEUE_PREFIX: t.config.QUEUE_PREFIX }, testModules: [ProbeModule] });
      await shutDown(t.app, t.app);
      const after = await probeQueue(observer).getJob(job.id!);
      expect(await after!.getState()).toBe('waiting');
      expect(after!.attemptsMade).toBe(0);
      await probeQueue(observer).obliterate({ force: true });
      await observer.close();
      await t.close();
    });
  });
});

function suffix(): string {
  return randomBytes(4).toString('hex');
}
