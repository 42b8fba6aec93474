import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JOBS, QUEUES } from '../../src/common/queue/queue-names.js';
import { PURGE_REFRESH_TOKENS_SCHEDULER } from '../../src/modules/auth/jobs/purge-expired-refresh-tokens.job.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { OwnRedis, eventually } from '../support/processes.js';
import { PROBE_DECLARED, PROBE_JOBS, PROBE_QUEUE, PROBE_SCHEDULE, ProbeModule } from '../support/probe-processor.js';

/**
 * Workers keep their connections (maxRetriesPerRequest: null, reconnect with backoff) when
 * Redis goes away and comes back, against a redis-server this test owns on a port of its own.
 */
describe('a Redis restart', () => {
  let redis: OwnRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await OwnRedis.start();
    t = await startTestApp({ role: 'all', env: { REDIS_URL: redis.url }, testModules: [ProbeModule], testJobs: PROBE_DECLARED });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  const queue = () => t.app.get<Queue>(getQueueToken(PROBE_QUEUE), { strict: false });

  it('is survived: readiness names Redis while it is down, and jobs are processed after it is back', async () => {
    const before = await queue().add(PROBE_JOBS.echo, { value: 'before' });
    await eventually(async () => (await before.getState()) === 'completed', 'a job before the restart');
    expect((await t.http.get('/health/ready')).status).toBe(200);

    await redis.kill();
    const down = await eventually(async () => {
      const res = await t.http.get('/health/ready');
      return res.status === 503 ? res : undefined;
    }, 'readiness to report Redis down');
    expect(down.body).toMatchObject({ status: 'unavailable', checks: { postgres: { status: 'up' }, redis: { status: 'down' } } });
    expect(down.body.checks.redis.error).toEqual(expect.any(String));
    // Scrapes still answer (queue depths cannot be read, process metrics can).
    const metrics = await t.http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');

    await redis.start(); // same port, empty (nothing was kept on disk)
    await eventually(async () => (await t.http.get('/health/ready')).status === 200, 'readiness to recover');

    const after = await eventually(() => queue().add(PROBE_JOBS.echo, { value: 'after' }), 'the producer to reconnect');
    await eventually(async () => (await after.getState()) === 'completed', 'the worker to process a job after the restart');
    expect((await queue().getJob(after.id!))?.returnvalue).toEqual({ echoed: 'after' });

    // The restarted Redis came back empty: the worker declared its schedule again.
    const scheduler = await eventually(() => queue().getJobScheduler(PROBE_SCHEDULE.id), 'the schedule to be declared again');
    expect(scheduler).toMatchObject({ pattern: PROBE_SCHEDULE.cron, tz: 'UTC' });
    // ... and so did the app's own processors (the daily refresh-token purge).
    const maintenance = t.app.get<Queue>(getQueueToken(QUEUES.maintenance), { strict: false });
    const purge = await eventually(() => maintenance.getJobScheduler(PURGE_REFRESH_TOKENS_SCHEDULER), 'the purge schedule to be declared again');
    expect(purge).toMatchObject({ name: JOBS.maintenance.purgeExpiredRefreshTokens, pattern: t.config.REFRESH_TOKEN_PURGE_CRON, tz: 'UTC' });
  });
});
