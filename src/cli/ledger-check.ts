import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { buildDataSourceOptions } from '../app/data-source-options.js';
import { LedgerIntegrityRepository } from '../modules/ledger/ledger-integrity.repository.js';
import { LedgerIntegrityService } from '../modules/ledger/ledger-integrity.service.js';

/**
 * `npm run ledger:check`: recomputes every balance from its postings, re-walks every balance
 * chain, re-adds every entry and every currency, in one snapshot. Exit code 0 when the ledger
 * is consistent, 1 on any drift (for CI and cron), 2 when it could not run.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const dataSource = new DataSource(buildDataSourceOptions(config.DATABASE_URL, 1));
  await dataSource.initialize();
  try {
    const started = Date.now();
    const report = await new LedgerIntegrityService(new LedgerIntegrityRepository(dataSource)).check();
    const took = `${Date.now() - started} ms`;
    if (report.ok) {
      process.stdout.write(`ledger check: ok (${report.checked.accounts} accounts, currencies ${report.checked.currencies.join(', ') || 'none'}, ${took})\n`);
      return 0;
    }
    process.stdout.write(`ledger check: DRIFT (${report.problems.length} problem(s) shown, ${took})\n`);
    for (const problem of report.problems) process.stdout.write(`  - ${problem}\n`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`ledger check failed to run: ${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
    process.exit(2);
  },
);
