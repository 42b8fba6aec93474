import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { JOBS, QUEUES, type QueueName } from '../../src/common/queue/queue-names.js';
import { PURGE_REFRESH_TOKENS_SCHEDULER } from '../../src/modules/auth/jobs/purge-expired-refresh-tokens.job.js';
import { AUTO_PAYOUTS_SCHEDULER } from '../../src/modules/payouts/jobs/run-auto-payouts.job.js';
import { startRedis } from '../settlement/processes.js';
import { eventually } from '../support/processes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Every schedule the processors declare is in Redis after boot, and comes back without a
 * restart after FLUSHALL (which closes no connection, so only the registrar's periodic check
 * can notice), within a bounded time, against a redis-server of this test's own.
 */
describe('job schedules after a Redis FLUSHALL', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let t: TestApp;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    t = await startTestApp({
      role: 'worker',
      env: { REDIS_URL: redis.url, SETTLEMENT_SCHEDULER_ENABLED: 'true', SETTLEMENT_DAILY_AT_UTC: '01:45', JOB_SCHEDULES_CHECK_INTERVAL_MS: '500' },
    });
  });
  afterAll(async () => {
    await t?.close();
    client?.disconnect();
    await redis?.stop();
  });

  const expected = (): { queue: QueueName; id: string; name: string; pattern: string }[] => [
    {
      queue: QUEUES.maintenance,
      id: PURGE_REFRESH_TOKENS_SCHEDULER,
      name: JOBS.maintenance.purgeExpiredRefreshTokens,
      pattern: t.config.REFRESH_TOKEN_PURGE_CRON,
    },
    { queue: QUEUES.payouts, id: AUTO_PAYOUTS_SCHEDULER, name: JOBS.payouts.runAutoPayouts, pattern: t.config.AUTO_PAYOUTS_CRON },
    { queue: QUEUES.capacity, id: JOBS.capacity.applyDueRoutingChanges, name: JOBS.capacity.applyDueRoutingChanges, pattern: '* * * * *' },
    { queue: QUEUES.contracts, id: JOBS.contracts.advanceLifecycle, name: JOBS.contracts.advanceLifecycle, pattern: '1 * * * *' },
    { queue: QUEUES.settlement, id: JOBS.settlement.schedule, name: JOBS.settlement.schedule, pattern: '45 1 * * *' },
  ];
  const queue = (name: QueueName) => t.app.get<Queue>(getQueueToken(name), { strict: false });

  /** What Redis holds, one entry per scheduler of every app queue. */
  async function declared() {
    const all = await Promise.all(
      Object.values(QUEUES).map(async (name) =>
        (await queue(name).getJobSchedulers()).map((s) => ({ queue: name, id: s.key, name: s.name, pattern: s.pattern, tz: s.tz })),
      ),
    );
    return all.flat().sort((a, b) => a.id.localeCompare(b.id));
  }
  const wanted = () =>
    expected()
      .map((e) => ({ ...e, tz: 'UTC' }))
      .sort((a, b) => a.id.localeCompare(b.id));

  it('declares the five schedules at boot, one scheduler each', async () => {
    expect(await declared()).toEqual(wanted());
  });

  it('puts every one of them back after FLUSHALL, without a restart', async () => {
    expect(await client.flushall()).toBe('OK');
    expect(await declared()).toEqual([]);
    const back = await eventually(
      async () => {
        const now = await declared();
        return now.length === expected().length ? now : undefined;
      },
      'the schedules to be declared again',
      20_000,
    );
    expect(back).toEqual(wanted());
    // Each has its next job waiting again, so the cron fires on time.
    for (const e of expected()) {
      const scheduler = await queue(e.queue).getJobScheduler(e.id);
      expect(scheduler?.next).toEqual(expect.any(Number));
    }
  });

  it('does it again after a second flush (the check keeps running)', async () => {
    await client.flushall();
    await eventually(async () => (await declared()).length === expected().length, 'the schedules to be declared again', 20_000);
    expect(await declared()).toEqual(wanted());
  });
});
