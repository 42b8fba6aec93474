import type { INestApplicationContext } from '@nestjs/common';
import type { AppConfig } from '../../../config/config.schema.js';
import { DEMO_CUSTOMERS, DemoSeedService, type DemoSeedResult } from './demo-seed.service.js';

/** What `npm start` prints about the demo world: how to apply it, or the logins once applied. */
export function demoLoginLines(result: Pick<DemoSeedResult, 'logins' | 'password'>): string[] {
  return [...result.logins.map((l) => `  ${l.role.padEnd(9)} ${l.email}`), `  password  ${result.password} (every demo account)`];
}

/**
 * On start: with `--demo` (or DEMO_SEED=true) the demo world is applied (once; later starts find
 * it and only print the logins); without it, an empty database gets a hint how to apply it.
 */
export async function demoOnStart(app: INestApplicationContext, config: AppConfig, args: string[], write: (text: string) => void): Promise<void> {
  const wanted = args.includes('--demo') || config.DEMO_SEED;
  const demo = app.get(DemoSeedService);
  if (!wanted) {
    if (await demo.isEmpty()) {
      write(
        'This database is empty. A demo world (2 sites, 3 miner models, 4 pools, products of 30/90/180/360 days, staff and ' +
          `${DEMO_CUSTOMERS} customers with deposits and contracts) is one flag away:\n  npm start -- --demo    (or DEMO_SEED=true npm start)\n`,
      );
    }
    return;
  }
  if (config.NODE_ENV === 'production') {
    write('--demo ignored: the demo world uses a published password and is never applied with NODE_ENV=production\n');
    return;
  }
  write('applying the demo world (once per database)...\n');
  const result = await demo.apply();
  write(
    result.applied
      ? `demo world applied: ${result.customers} customers, ${result.contracts} contracts. Sign in with:\n`
      : `demo world already applied. Sign in with:\n`,
  );
  write(`${demoLoginLines(result).join('\n')}\n`);
}
