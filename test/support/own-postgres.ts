import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { assertTestDatabaseName } from '../../src/database/test-database-guard.js';
import { freePort } from './processes.js';
import { TEST_REDIS_URL } from './test-env.js';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const ROOT = join(import.meta.dirname, '..', '..');

export interface OwnPostgres {
  /** The migrated test database on this server. */
  url: string;
  port: number;
  /** The server's log (stderr of the postmaster and its children): warnings land here. */
  logFile: string;
  /** The server's log as it stands now. */
  log: () => string;
  /** `pg_ctl restart -m immediate`: every backend dies at once, recovery replays the WAL. */
  restartImmediate: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * A Postgres server of the test's own (initdb into a temp dir, a free port), so a test may
 * restart it or read its log without touching the machine's shared server. initdb and the
 * server refuse to run as root: as root they run as the postgres user, in a directory it owns.
 */
export async function startOwnPostgres(options: { database?: string } = {}): Promise<OwnPostgres> {
  const database = options.database ?? 'own_test';
  assertTestDatabaseName(database);
  const dir = mkdtempSync(join(tmpdir(), 'hm-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pgTool = async (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, tool), ...args]] : [join(PG_BIN, tool), args];
    return run(cmd, argv, { env: { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' } });
  };
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const port = await freePort();
  // --no-sync and fsync=off: an immediate restart kills processes, not the machine, so what was
  // written to the OS survives and crash recovery still replays the WAL; only an OS crash
  // (which no test makes) would need the fsyncs.
  await pgTool('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  await appendFile(
    join(dataDir, 'postgresql.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      'logging_collector = off', // the postmaster's stderr goes to pg_ctl -l, the file the test reads
      'fsync = off',
      'full_page_writes = off',
      'max_connections = 200',
      'shared_buffers = 128MB',
      '',
    ].join('\n'),
  );
  const ctl = (args: string[]) => pgTool('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '120', ...args]);
  const serverUrl = `postgres://postgres@127.0.0.1:${port}`;
  const url = `${serverUrl}/${database}`;
  try {
    await ctl(['start']);
    const admin = new pg.Client({ connectionString: `${serverUrl}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    } finally {
      await admin.end();
    }
    // The compiled migrations, as test/support/global-setup.mjs applies them to the shared
    // template (the CLI pings Redis too: the shared test Redis is only pinged).
    await run(process.execPath, ['dist/src/cli/migrate.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL },
    });
  } catch (error) {
    // A server left running (and its directory) would outlive the failed test.
    await ctl(['-m', 'immediate', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    url,
    port,
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    restartImmediate: async () => {
      await ctl(['-m', 'immediate', 'restart']);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await ctl(['-m', 'immediate', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
