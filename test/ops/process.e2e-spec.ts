import { randomBytes } from 'node:crypto';
import { type ConnectionOptions, Queue } from 'bullmq';
import { JOBS, QUEUES } from '../../src/common/queue/queue-names.js';
import { redisOptionsFromUrl } from '../../src/common/queue/redis-options.js';
import { createTestDatabase } from '../support/test-database.js';
import { TEST_REDIS_URL } from '../support/test-env.js';
import { AppProcess, HoldingProxy, canConnect, eventually, freePort } from '../support/processes.js';

/**
 * The real process, as production runs it: `node dist/src/main.js <role>` (npm test builds
 * first), its roles, its graceful SIGTERM and its one-line refusals to start.
 */
describe('the hashmarket process', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  const envFor = (port: number, extra: Record<string, string> = {}) => ({
    NODE_ENV: 'development',
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    ...extra,
  });

  it('runs the api role from the argument, puts the request id on its log lines, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const app = AppProcess.spawn(['api'], envFor(port));
    try {
      await app.waitForStdout(/hashmarket api listening/);
      const res = await fetch(`http://127.0.0.1:${port}/health/live`, { headers: { 'x-request-id': 'trace-me-42' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('trace-me-42');
      const logged = await app.waitForStdout(/trace-me-42/, 'a log line with the request id');
      expect(JSON.parse(logged)).toMatchObject({ req: { id: 'trace-me-42', url: '/health/live' }, res: { statusCode: 200 }, role: 'api' });

      // A line logged by a service while handling the request carries the request's id too.
      const post = (path: string, body: unknown, id: string) =>
        fetch(`http://127.0.0.1:${port}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id },
          body: JSON.stringify(body),
        });
      const registered = await post(
        '/v1/auth/register',
        { email: `log-${randomBytes(4).toString('hex')}@example.test`, password: 'a long enough password' },
        'reg-1',
      );
      expect(registered.status).toBe(201);
      const { tokens } = (await registered.json()) as { tokens: { refreshToken: string } };
      expect((await post('/v1/auth/refresh', { refreshToken: tokens.refreshToken }, 'refresh-1')).status).toBe(200);
      expect((await post('/v1/auth/refresh', { refreshToken: tokens.refreshToken }, 'reuse-7')).status).toBe(401);
      const warning = JSON.parse(await app.waitForStdout(/refresh token reuse/, 'the reuse warning'));
      expect(warning).toMatchObject({ level: 40, req: { id: 'reuse-7' } });

      app.child.kill('SIGTERM');
      const { code, stdout } = await app.finished();
      expect(code).toBe(0);
      expect(stdout).toContain('shutdown complete');
    } finally {
      await app.kill();
    }
  });

  it('runs the worker role from APP_ROLE without an HTTP server, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const app = AppProcess.spawn([], envFor(port, { APP_ROLE: 'worker' }));
    try {
      await app.waitForStdout(/hashmarket worker started/);
      // pino writes asynchronously: wait for the runtime's line rather than expect it in order
      expect(JSON.parse(await app.waitForStdout(/workers started/))).toMatchObject({ role: 'worker', context: 'WorkerRuntime' });
      expect(await canConnect(port)).toBe(false);
      app.child.kill('SIGTERM');
      const { code } = await app.finished();
      expect(code).toBe(0);
    } finally {
      await app.kill();
    }
  });

  it('on SIGTERM stops accepting connections, lets the request and the job in flight finish, closes everything and exits 0', async () => {
    // Postgres behind a relay the test can freeze: the readiness query and the job's
    // transaction are then in flight for as long as the test says, with no sleeping involved.
    const dbUrl = new URL(database.url);
    const proxy = await HoldingProxy.start(Number(dbUrl.port || 5432), dbUrl.hostname);
    dbUrl.port = String(proxy.port);
    const port = await freePort();
    // The settlement sweep is off, so what the proxy holds is the request's and the job's only.
    const env = envFor(port, { DATABASE_URL: dbUrl.toString(), SETTLEMENT_SCHEDULER_ENABLED: 'false' });
    const maintenance = new Queue(QUEUES.maintenance, { connection: redisOptionsFromUrl(TEST_REDIS_URL) as ConnectionOptions, prefix: env.QUEUE_PREFIX });
    const app = AppProcess.spawn(['all'], env);
    try {
      await app.waitForStdout(/hashmarket all listening/);
      proxy.hold();
      const inFlight = fetch(`http://127.0.0.1:${port}/health/ready`);
      await eventually(async () => proxy.heldText().includes('SELECT 1'), 'the readiness query to reach Postgres');
      const job = await maintenance.add(JOBS.maintenance.purgeExpiredRefreshTokens, {}, { jobId: `purge-sigterm-${env.QUEUE_PREFIX}` });
      // Running its handler (it has sent something to Postgres since the readiness query) and
      // unable to finish: every byte it sends is held.
      const heldBefore = proxy.heldText().length;
      await eventually(async () => (await job.getState()) === 'active' && proxy.heldText().length > heldBefore, 'the job to reach Postgres');

      app.child.kill('SIGTERM');
      await eventually(async () => !(await canConnect(port)), 'the listener to close');
      expect(app.child.exitCode).toBeNull(); // still waiting for the request and the job

      proxy.release();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok' });
      const { code, stdout, stderr } = await app.finished();
      expect(stderr.filter(Boolean)).toEqual([]);
      expect(code).toBe(0);
      expect(stdout).toContain('shutdown complete');
      expect(await job.getState()).toBe('completed');
    } finally {
      await app.kill();
      await maintenance.obliterate({ force: true }).catch(() => undefined);
      await maintenance.close();
      await proxy.close();
    }
  });

  it('on SIGTERM releases a job still running after WORKER_SHUTDOWN_GRACE_MS back to the queue, then exits 0', async () => {
    const dbUrl = new URL(database.url);
    const proxy = await HoldingProxy.start(Number(dbUrl.port || 5432), dbUrl.hostname);
    dbUrl.port = String(proxy.port);
    // The settlement sweep is off: with it, the held query could be the sweep's instead of the job's.
    const env = envFor(await freePort(), { DATABASE_URL: dbUrl.toString(), WORKER_SHUTDOWN_GRACE_MS: '300', SETTLEMENT_SCHEDULER_ENABLED: 'false' });
    const maintenance = new Queue(QUEUES.maintenance, { connection: redisOptionsFromUrl(TEST_REDIS_URL) as ConnectionOptions, prefix: env.QUEUE_PREFIX });
    const app = AppProcess.spawn(['worker'], env);
    try {
      await app.waitForStdout(/hashmarket worker started/);
      proxy.hold(); // the job cannot finish: its queries are held
      const job = await maintenance.add(JOBS.maintenance.purgeExpiredRefreshTokens, {}, { jobId: `purge-release-${env.QUEUE_PREFIX}` });
      // Running its handler: with the sweep off nothing else in a worker talks to Postgres, so
      // the held bytes are the job's (its transaction's first statement).
      await eventually(async () => (await job.getState()) === 'active' && proxy.heldText().length > 0, 'the job to reach Postgres');

      app.child.kill('SIGTERM');
      await eventually(async () => (await job.getState()) === 'waiting', 'the job to be released');
      expect((await maintenance.getJob(job.id!))?.attemptsMade).toBe(0);
      expect(JSON.parse(await app.waitForStdout(/released 1 running job/))).toMatchObject({ level: 40, role: 'worker' });

      proxy.release(); // the abandoned handler's transaction ends, and with it the last connection
      const { code, stderr } = await app.finished();
      expect(stderr.filter(Boolean)).toEqual([]);
      expect(code).toBe(0);
      expect(await job.getState()).toBe('waiting'); // for the next worker, with no attempt spent
    } finally {
      await app.kill();
      await maintenance.obliterate({ force: true }).catch(() => undefined);
      await maintenance.close();
      await proxy.close();
    }
  });

  it('refuses an unknown role with one line', async () => {
    const { code, stderr } = await AppProcess.spawn(['everything'], envFor(await freePort())).finished();
    expect(code).not.toBe(0);
    expect(stderr.filter(Boolean)).toEqual(['Invalid role argument "everything": expected api, worker or all']);
  });

  it('refuses bad configuration with one line naming the variable', async () => {
    const { code, stderr } = await AppProcess.spawn(['api'], envFor(await freePort(), { PORT: 'eighty' })).finished();
    expect(code).not.toBe(0);
    const lines = stderr.filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: PORT .*\(got "eighty"\)$/);
  });

  it('fails fast when Postgres is unreachable: one line saying which, where it looked and how to start it', async () => {
    const deadPort = await freePort();
    const url = `postgres://postgres@127.0.0.1:${deadPort}/hashmarket_dev`;
    const { code, stdout, stderr } = await AppProcess.spawn(['all'], envFor(await freePort(), { DATABASE_URL: url })).finished();
    expect(code).not.toBe(0);
    const lines = stderr.filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Postgres is unreachable at postgres://postgres@127.0.0.1:${deadPort}/hashmarket_dev`);
    expect(lines[0]).toMatch(/start it \(docker compose up -d postgres, or pg_ctlcluster .* start\) or set DATABASE_URL$/);
    expect(stdout.filter(Boolean)).toEqual([]);
  });

  it('fails fast when Redis is unreachable: one line saying which, where it looked and how to start it', async () => {
    const deadPort = await freePort();
    const { code, stderr } = await AppProcess.spawn(['all'], envFor(await freePort(), { REDIS_URL: `redis://127.0.0.1:${deadPort}` })).finished();
    expect(code).not.toBe(0);
    const lines = stderr.filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Redis is unreachable at redis://127.0.0.1:${deadPort}`);
    expect(lines[0]).toMatch(/start it \(docker compose up -d redis, or redis-server --daemonize yes\) or set REDIS_URL$/);
  });
});
