import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { SingleBar } from 'cli-progress';
import { Command, CommandFactory, CommandRunner, Option } from 'nest-commander';
import { join } from 'node:path';
import { createWorkerContext } from '../app/create-app.js';
import { ConfigError, loadConfig, loadConfigWith } from '../config/load-config.js';
import { runMigrations } from '../app/migrate.js';
import { checkDependencies, DependencyUnreachableError } from '../database/preflight.js';
import { isUtcDay } from '../common/clock/utc-day.js';
import { SimulationService } from '../modules/simulation/sim/simulation.service.js';
import { SimulationClock, simulationStart } from '../modules/simulation/sim/simulation-clock.js';
import { clearRedisPrefix, DEFAULT_SIM_DATABASE, recreateSimulationDatabase } from './sim-environment.js';

interface SimulateOptions {
  from: string;
  days: number;
  customers: number;
  seed: number;
  database: string;
  out?: string;
}

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > max)
      throw new Error(`--${name} must be a whole number from 1 to ${max} (got "${value}")`);
    return Number(value);
  };
}

const timestamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/**
 * `npm run simulate -- --from 2024-02-01 --days 120 --customers 10000`: boots the whole app
 * (api services and the BullMQ worker in this process) with a simulation clock on a database of
 * its own, walks the calendar through the real code paths and writes reports/sim-<timestamp>/.
 * Exit code 1 when the report does not tie out with the ledger (or the run fails).
 */
@Command({
  name: 'simulate',
  description: 'Simulate the marketplace on real market history and tie the report out with the ledger',
  options: { isDefault: true },
})
class SimulateCommand extends CommandRunner {
  async run(_params: string[], options: SimulateOptions): Promise<void> {
    const started = performance.now();
    let contracts = 0;
    let tieOut = 'FAILED';
    const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
    const finalLine = () =>
      `bench simulate: days=${options.days} customers=${options.customers} contracts=${contracts} seconds=${seconds()} tie_out=${tieOut}\n`;
    try {
      const base = loadConfig();
      const url = await recreateSimulationDatabase(base, options.database);
      const config = loadConfigWith({ DATABASE_URL: url, QUEUE_PREFIX: `${base.QUEUE_PREFIX}-sim`, MIGRATE_ON_START: 'false' }, { LOG_LEVEL: 'error' });
      await checkDependencies(config);
      process.stdout.write(`simulation database: ${options.database} (recreated); queue prefix: ${config.QUEUE_PREFIX}\n`);
      await runMigrations(url);
      await clearRedisPrefix(config.REDIS_URL, config.QUEUE_PREFIX);
      const clock = new SimulationClock(simulationStart(options.from));
      const app = await createWorkerContext({ config, role: 'all', clock, quiet: true });
      const outDir = options.out ?? join('reports', `sim-${timestamp()}`);
      const bar = new SingleBar({
        format: 'simulating [{bar}] {percentage}% | {value}/{total} days | {day} | contracts {contracts} | {duration_formatted}',
        hideCursor: true,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      });
      bar.start(options.days + 1, 0, { day: options.from, contracts: 0 });
      try {
        const result = await app.get(SimulationService).run({
          from: options.from,
          days: options.days,
          customers: options.customers,
          seed: options.seed,
          outDir,
          database: options.database,
          onProgress: (p) => bar.update(p.step, { day: p.day, contracts: p.contracts }),
        });
        bar.stop();
        contracts = result.summary.contracts;
        tieOut = result.summary.tieOut.ok ? 'ok' : 'FAILED';
        process.stdout.write(`\n${result.text}\nreport: ${join(outDir, 'report.html')}\n`);
      } finally {
        bar.stop();
        await app.close();
      }
    } catch (error) {
      const known = error instanceof ConfigError || error instanceof DependencyUnreachableError;
      process.stderr.write(`simulation failed: ${known ? error.message : String((error as Error)?.stack ?? error)}\n`);
    }
    process.stdout.write(finalLine());
    process.exitCode = tieOut === 'ok' ? 0 : 1;
  }

  @Option({ flags: '--from <day>', description: 'first simulated UTC day (YYYY-MM-DD, within the bundled history)', defaultValue: '2024-02-01' })
  parseFrom(value: string): string {
    if (!isUtcDay(value) || value < '2015-01-08' || value > '2025-12-31')
      throw new Error(`--from must be a UTC day from 2015-01-08 to 2025-12-31 (got "${value}")`);
    return value;
  }

  @Option({ flags: '--days <n>', description: 'days to simulate (2 to 720)', defaultValue: 120 })
  parseDays(value: string): number {
    const days = positiveInt('days', 720)(value);
    if (days < 2) throw new Error('--days must be at least 2');
    return days;
  }

  @Option({ flags: '--customers <n>', description: 'customers (1 to 200000)', defaultValue: 10_000 })
  parseCustomers(value: string): number {
    return positiveInt('customers', 200_000)(value);
  }

  @Option({ flags: '--seed <n>', description: 'random seed (same seed, same choices)', defaultValue: 1 })
  parseSeed(value: string): number {
    return positiveInt('seed', 2 ** 31)(value);
  }

  @Option({
    flags: '--database <name>',
    description: `database of its own, recreated each run (default ${DEFAULT_SIM_DATABASE})`,
    defaultValue: DEFAULT_SIM_DATABASE,
  })
  parseDatabase(value: string): string {
    return value;
  }

  @Option({ flags: '--out <dir>', description: 'report folder (default reports/sim-<timestamp>)' })
  parseOut(value: string): string {
    return value;
  }
}

@Module({ providers: [SimulateCommand] })
class SimulateCliModule {}

await CommandFactory.run(SimulateCliModule, {
  logger: ['error'],
  errorHandler: (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  },
});
