import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Command, CommandFactory, CommandRunner, Option } from 'nest-commander';
import { createWorkerContext } from '../app/create-app.js';
import { ConfigError, loadConfigWith } from '../config/load-config.js';
import { checkDependencies, DependencyUnreachableError } from '../database/preflight.js';
import { UsersService } from '../modules/auth/users.service.js';
import { isUtcDay } from '../common/clock/utc-day.js';
import { MarketHistoryService } from '../modules/simulation/market-history/market-history.service.js';

interface ImportOptions {
  from: string;
  to?: string;
  as: string;
}

function day(name: string) {
  return (value: string): string => {
    if (!isUtcDay(value)) throw new Error(`--${name} must be a UTC day written YYYY-MM-DD (got "${String(value)}")`);
    return value;
  };
}

/**
 * `npm run market:import -- --as finance@example.com [--from 2024-01-01] [--to 2024-12-31]`:
 * records the bundled daily BTC price and difficulty (data/market/btc-daily.csv; fees modelled
 * at SIM_TX_FEE_SHARE_BPS of the subsidy) through the market service, as that finance or admin
 * user, audited. Days already recorded with the same figures are unchanged; other figures: 409.
 */
@Command({ name: 'market-import', description: 'Import the bundled market history through the market service', options: { isDefault: true } })
class MarketImportCommand extends CommandRunner {
  async run(_params: string[], options: ImportOptions): Promise<void> {
    const config = loadConfigWith({ MIGRATE_ON_START: 'false' }, { LOG_LEVEL: 'error' });
    await checkDependencies(config);
    const app = await createWorkerContext({ config, role: 'api' });
    try {
      const user = await app.get(UsersService).findByEmail(options.as);
      if (!user || (user.role !== 'finance' && user.role !== 'admin'))
        throw new Error(`--as must be the email of a finance or admin user (${options.as} is ${user ? `a ${user.role}` : 'unknown'})`);
      const history = app.get(MarketHistoryService);
      const today = new Date().toISOString().slice(0, 10);
      const to = options.to ?? (await history.load()).filter((d) => d.day <= today).at(-1)!.day;
      const result = await history.importRange(
        { user: { userId: user.id, role: user.role, email: user.email }, requestId: 'market-import-cli' },
        options.from,
        to,
      );
      process.stdout.write(
        `market history ${options.from} to ${to}: ${result.days} days, ${result.created} rows recorded, ${result.unchanged} already there\n`,
      );
    } finally {
      await app.close();
    }
  }

  @Option({ flags: '--from <day>', description: 'first day (default 2024-01-01)', defaultValue: '2024-01-01' })
  parseFrom(value: string): string {
    return day('from')(value);
  }

  @Option({ flags: '--to <day>', description: 'last day (default: the last bundled day up to today)' })
  parseTo(value: string): string {
    return day('to')(value);
  }

  @Option({ flags: '--as <email>', description: 'the finance or admin user recording the data (audited)', required: true })
  parseAs(value: string): string {
    return value;
  }
}

@Module({ providers: [MarketImportCommand] })
class MarketImportCliModule {}

await CommandFactory.run(MarketImportCliModule, {
  logger: ['error'],
  serviceErrorHandler: (error) => {
    const known = error instanceof ConfigError || error instanceof DependencyUnreachableError;
    process.stderr.write(`market import failed: ${known ? error.message : String(error.stack ?? error)}\n`);
    process.exitCode = 1;
  },
  errorHandler: (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  },
});
