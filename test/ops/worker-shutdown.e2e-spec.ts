import { randomBytes } from 'node:crypto';
import { type ConnectionOptions, Queue } from 'bullmq';
import { JOBS, QUEUES } from '../../src/common/queue/queue-names.js';
import { redisOptionsFromUrl } from '../../src/common/queue/redis-options.js';
import { createTestDatabase } from '../support/test-database.js';
import { TEST_REDIS_URL } from '../support/test-env.js';
import { AppProcess, HoldingProxy, eventually, freePort } from '../support/processes.js';

const GRACE_MS = 1000;
// What closing the workers, queues and the Redis connections may take on a loaded machine.
const CLOSE_MARGIN_MS = 5000;

/**
 * A worker whose Postgres stops answering (a relay in front of it holds every byte and never
 * lets go) still shuts down on SIGTERM: its running job goes back to the wait list, the sweep
 * stuck in a query is not waited for past the grace period, the pool is closed anyway, and the
 * process exits 0 well before SHUTDOWN_TIMEOUT_MS would stop it with 1.
 */
describe('worker shutdown while Postgres does not answer', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('releases the running job, abandons the stuck sweep and exits 0 within the grace period', async () => {
    const dbUrl = new URL(database.url);
    const proxy = await HoldingProxy.start(Number(dbUrl.port || 5432), dbUrl.hostname);
    dbUrl.port = String(proxy.port);
    const env = {
      NODE_ENV: 'development',
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'info',
      PORT: String(await freePort()),
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
      SETTLEMENT_SCHEDULER_ENABLED: 'true',
      SETTLEMENT_SWEEP_INTERVAL_MS: '1000',
      WORKER_SHUTDOWN_GRACE_MS: String(GRACE_MS),
      SHUTDOWN_TIMEOUT_MS: '20000',
    };
    const maintenance = new Queue(QUEUES.maintenance, { connection: redisOptionsFromUrl(TEST_REDIS_URL) as ConnectionOptions, prefix: env.QUEUE_PREFIX });
    const app = AppProcess.spawn(['worker'], env);
    try {
      await app.waitForStdout(/hashmarket worker started/);
      proxy.hold(); // from now on Postgres "does not answer"
      // Nothing but the sweep (every second) talks to Postgres in an idle worker: the first bytes
      // held are a sweep's (a statement, or a new connection's start-up), and it waits for ever.
      await eventually(async () => proxy.heldText().length > 0, 'a sweep to be stuck on Postgres');
      const heldBefore = proxy.heldText().length;
      const job = await maintenance.add(JOBS.maintenance.purgeExpiredRefreshTokens, {}, { jobId: `purge-stuck-${env.QUEUE_PREFIX}` });
      // The sweep is stuck (later ticks skip while it runs): what is held now is the job's.
      await eventually(async () => (await job.getState()) === 'active' && proxy.heldText().length > heldBefore, 'the job to be stuck on Postgres');

      const signalledAt = Date.now();
      app.child.kill('SIGTERM');
      await eventually(async () => (await job.getState()) === 'waiting', 'the job to be released');
      const { code, stdout, stderr } = await app.finished();
      const tookMs = Date.now() - signalledAt;
      expect(stderr.filter(Boolean)).toEqual([]);
      expect(code).toBe(0);
      expect(stdout).toContain('shutdown complete');
      expect(stdout.some((line) => line.includes('settlement sweep still running after the shutdown grace period: abandoned'))).toBe(true);
      expect(tookMs).toBeLessThan(GRACE_MS + CLOSE_MARGIN_MS);
      const released = await maintenance.getJob(job.id!);
      expect(await released!.getState()).toBe('waiting'); // for the next worker, with no attempt spent
      expect(released!.attemptsMade).toBe(0);
    } finally {
      await app.kill();
      await maintenance.obliterate({ force: true }).catch(() => undefined);
      await maintenance.close();
      await proxy.close();
    }
  });
});
