import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthenticatedUser } from '../../../common/auth/authenticated-user.js';
import { Clock } from '../../../common/clock/clock.js';
import { DomainError } from '../../../common/errors/domain-error.js';
import { formatUsd } from '../../../common/money/units.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import type { AppConfig } from '../../../config/config.schema.js';
import { TransactionRunner } from '../../../database/transaction.js';
import { AuditService, SYSTEM_ACTOR } from '../../audit/audit.service.js';
import { CapacityService } from '../../capacity/capacity.service.js';
import { formatThs } from '../../../common/money/units.js';
import { addDays, utcDayOf } from '../../../common/clock/utc-day.js';
import { ContractsService } from '../../contracts/contracts.service.js';
import { DepositsService } from '../../ledger/deposits.service.js';
import { MarketHistoryService } from '../market-history/market-history.service.js';
import { mapLimit } from '../sim/concurrency.js';
import { peakDemandThs, planCustomers } from '../sim/plan.js';
import { productCatalogue, worldSpec } from '../world/world-spec.js';
import { WorldService } from '../world/world.service.js';
import { DEMO_PASSWORD, staffEmails } from './demo-logins.js';

export const DEMO_DOMAIN = 'demo.hashmarket.example';
export const DEMO_CUSTOMERS = 300;
const MARKER = { action: 'demo.seeded', entityType: 'demo', entityId: 'demo-world-v1' } as const;

export interface DemoSeedResult {
  applied: boolean;
  reason?: string;
  customers: number;
  contracts: number;
  refused: number;
  logins: { role: string; email: string }[];
  password: string;
}

/**
 * The demo world: two sites, three miner models, four pools with different payout schemes,
 * products of 30/90/180/360 days, an admin, an operator, a finance user and a few hundred
 * customers with deposits and contracts, all through the services the HTTP routes use.
 *
 * Idempotent twice over: a marker in the audit log (written last) makes a second start a no-op,
 * and every step is keyed naturally (names, emails, deposit references, purchase
 * Idempotency-Keys), so even a seed interrupted halfway completes without doubling anything.
 * Concurrent starts are serialised with an advisory lock.
 */
@Injectable()
export class DemoSeedService {
  private readonly logger = new Logger(DemoSeedService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly capacity: CapacityService,
    private readonly world: WorldService,
    private readonly marketHistory: MarketHistoryService,
    private readonly deposits: DepositsService,
    private readonly contracts: ContractsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** True once the demo world was applied to this database. */
  async isSeeded(): Promise<boolean> {
    const page = await this.audit.list({ action: MARKER.action, entityType: MARKER.entityType, limit: 1 });
    return page.items.length > 0;
  }

  /** True when the database has no capacity yet (nothing to show: the demo is worth offering). */
  async isEmpty(): Promise<boolean> {
    return (await this.capacity.poolIds()).length === 0;
  }

  async apply(options: { customers?: number } = {}): Promise<DemoSeedResult> {
    if (this.config.NODE_ENV === 'production')
      throw new Error('the demo seed creates accounts with a published password and never runs with NODE_ENV=production');
    return this.tx.exclusively('hashmarket_demo_seed', async () => {
      if (await this.isSeeded()) return { ...this.logins(), applied: false, reason: 'the demo world is already there', customers: 0, contracts: 0, refused: 0 };
      const result = await this.seed(options.customers ?? DEMO_CUSTOMERS);
      await this.tx.run((m) => this.audit.record(m, { actor: SYSTEM_ACTOR, ...MARKER, after: { customers: result.customers, contracts: result.contracts } }));
      return result;
    });
  }

  /** Every step, idempotent on its own (also without the marker). */
  async seed(customerCount: number): Promise<DemoSeedResult> {
    const today = utcDayOf(this.clock.now());
    const staff = await this.world.ensureStaff(staffEmails(DEMO_DOMAIN), DEMO_PASSWORD);
    const finance = { user: staff.finance, requestId: 'demo-seed' };
    const operator = { user: staff.operator, requestId: 'demo-seed' };
    // A year of real market history up to today (or the file's end): what estimates are made from.
    const history = await this.marketHistory.load();
    const lastDay = history.filter((d) => d.day <= today).at(-1)?.day;
    if (lastDay) await this.marketHistory.importRange(finance, addDays(lastDay, -364), lastDay);

    const catalogue = productCatalogue();
    // Everyone signs up and buys today (a one-day window), so demand is the sum of the purchases.
    const plan = planCustomers({ customers: customerCount, days: 60, seed: 2024, emailDomain: DEMO_DOMAIN, signupWindowDays: 1 }, catalogue).map((c) => ({
      ...c,
      purchases: c.purchases.filter((p) => p.offset === 0),
      deposits: c.deposits.filter((d) => d.offset === 0),
    }));
    const world = await this.world.ensureWorld(worldSpec('', peakDemandThs(plan, catalogue, 60)), operator);
    const ids = await this.world.ensureCustomers(
      SYSTEM_ACTOR,
      plan.map((c, i) => ({ email: c.email, displayName: `Demo customer ${i + 1}` })),
      DEMO_PASSWORD,
    );
    const user = (email: string): AuthenticatedUser => ({ userId: ids.get(email)!, role: 'customer', email });

    await mapLimit(
      plan.flatMap((c) => c.deposits.map((d) => ({ c, d }))),
      8,
      ({ c, d }) =>
        this.deposits.record(
          { customerId: user(c.email).userId, currency: 'USD', amount: formatUsd(d.microUsd), externalReference: `demo-${d.reference}` },
          staff.finance,
          'demo-seed',
        ),
    );
    let contracts = 0;
    let refused = 0;
    await mapLimit(
      plan.flatMap((c) => c.purchases.map((p) => ({ c, p }))),
      32,
      async ({ c, p }) => {
        const product = world.products.find((x) => x.key === p.productKey)!;
        try {
          await this.contracts.purchase(user(c.email), `demo-${p.key}`, { productId: product.id, hashrateThs: formatThs(p.hashrateGhs) }, 'demo-seed');
          contracts++;
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          refused++;
          this.logger.warn(`demo purchase ${p.key} refused: ${error.code}`);
        }
      },
    );
    return { ...this.logins(), applied: true, customers: plan.length, contracts, refused };
  }

  private logins(): Pick<DemoSeedResult, 'logins' | 'password'> {
    const emails = staffEmails(DEMO_DOMAIN);
    return {
      logins: [
        { role: 'admin', email: emails.admin },
        { role: 'operator', email: emails.operator },
        { role: 'finance', email: emails.finance },
        { role: 'customer', email: `customer-00001@${DEMO_DOMAIN}` },
      ],
      password: DEMO_PASSWORD,
    };
  }
}
