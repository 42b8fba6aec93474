import { DataSource } from 'typeorm';
import { tryAdvisoryLock } from '../../src/database/advisory-lock.js';
import { buildDataSourceOptions } from '../../src/app/data-source-options.js';
import { createTestDatabase } from '../support/test-database.js';

/**
 * Two processes (two DataSources with pools of their own) contend for one session-level
 * advisory lock while each keeps its pool busy with other work, as a sweeping worker does.
 */
describe('tryAdvisoryLock', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let first: DataSource;
  let second: DataSource;
  const name = 'advisory_lock_spec';

  beforeAll(async () => {
    database = await createTestDatabase();
    [first, second] = [0, 1].map(() => new DataSource({ ...buildDataSourceOptions(database.url, 4), entities: [], migrations: [] }));
    await Promise.all([first.initialize(), second.initialize()]);
  });
  afterAll(async () => {
    await Promise.all([first?.destroy(), second?.destroy()]);
    await database.drop();
  });

  const advisoryLocksHeld = async () =>
    (
      await second.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      )
    )[0].n as number;

  it('is held on one connection for as long as the holder works elsewhere, and gone from the pool once released', async () => {
    const lock = await tryAdvisoryLock(first, name);
    expect(lock).not.toBeNull();
    // The holder's pool serves other statements meanwhile, on every one of its connections.
    await Promise.all(Array.from({ length: 8 }, () => first.query('SELECT pg_sleep(0.01)')));
    expect(await tryAdvisoryLock(second, name)).toBeNull();
    await lock!.release();

    expect(await advisoryLocksHeld()).toBe(0); // no pooled connection of `first` kept it
    const other = await tryAdvisoryLock(second, name);
    expect(other).not.toBeNull();
    await other!.release();
    expect(await advisoryLocksHeld()).toBe(0);
  });

  it('lets go of the lock when its connection dies: nothing left to unlock, nothing leaked', async () => {
    const lock = await tryAdvisoryLock(first, name);
    expect(lock).not.toBeNull();
    await second.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`);
    const other = await waitForLock(second, name);
    // Whether or not the holder has heard of its connection's end yet, releasing leaks nothing.
    await lock!.release().catch(() => undefined);
    await other.release();
    expect(await advisoryLocksHeld()).toBe(0);
    const again = await tryAdvisoryLock(first, name); // the holder's pool replaced the dead connection
    expect(again).not.toBeNull();
    await again!.release();
  });
});

async function waitForLock(dataSource: DataSource, name: string) {
  for (let i = 0; i < 100; i++) {
    const lock = await tryAdvisoryLock(dataSource, name);
    if (lock) return lock;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`lock ${name} never became free`);
}
