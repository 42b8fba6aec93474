import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../../common/clock/clock.js';
import { SYSTEM_ACTOR } from '../../audit/audit.service.js';
import { addDays } from '../../../common/clock/utc-day.js';
import { DEMO_PASSWORD, staffEmails } from '../demo/demo-logins.js';
import { MarketHistoryService } from '../market-history/market-history.service.js';
import type { DailyReportRow, ReportSummary } from '../report/report-row.js';
import { productCatalogue, worldSpec } from '../world/world-spec.js';
import { WorldService } from '../world/world.service.js';
import { peakDemandThs, planCustomers, type PlannedCustomer } from './plan.js';
import { Random } from './random.js';
import type { SimContext, SimStats } from './sim-context.js';
import { SimCustomersService } from './sim-customers.service.js';
import { SimOperationsService } from './sim-operations.service.js';
import { SimReportService } from './sim-report.service.js';
import { at, SimulationClock, simulationStart } from './simulation-clock.js';
import { summaryText } from './summary-text.js';

export interface SimulationOptions {
  /** First simulated UTC day. */
  from: string;
  days: number;
  customers: number;
  seed?: number;
  /** Where daily.csv, report.html and summary.txt go. */
  outDir: string;
  /** Shown in the summary. */
  database?: string;
  /** Daily fleet outage probability per fleet (default 2%). */
  outageRate?: number;
  /** One automatic-payout threshold for everyone who sets one (default: drawn per customer). */
  autoPayoutThresholdSats?: bigint;
  onProgress?: (progress: { step: number; steps: number; day: string; contracts: number }) => void;
}

export interface SimulationResult {
  summary: ReportSummary;
  rows: DailyReportRow[];
  stats: SimStats;
  text: string;
  outDir: string;
}

const EMAIL_DOMAIN = 'sim.hashmarket.example';

interface Outage {
  fleetId: string;
  start: Date;
  end: Date;
}

/**
 * Walks the calendar day by day through the real code paths (services, queues, worker) on an
 * app booted with a SimulationClock: market history for the day, customers signing up, paying
 * in and buying, fleets failing and coming back, hash-rate reports and pool earnings from the
 * day's real difficulty, settlement through BullMQ, contract lifecycle, pool payouts, automatic
 * payouts approved and batched; then the report and its tie-out with the ledger.
 */
@Injectable()
export class SimulationService {
  private readonly logger = new Logger(SimulationService.name);

  constructor(
    private readonly clock: Clock,
    private readonly world: WorldService,
    private readonly marketHistory: MarketHistoryService,
    private readonly customers: SimCustomersService,
    private readonly operations: SimOperationsService,
    private readonly report: SimReportService,
  ) {}

  async run(options: SimulationOptions): Promise<SimulationResult> {
    const clock = this.clock;
    if (!(clock instanceof SimulationClock)) throw new Error('the simulation needs the app booted with a SimulationClock');
    if (options.days < 2) throw new Error('days must be at least 2');
    const seed = options.seed ?? 1;
    const started = performance.now();
    const ctx = await this.setUp(clock, options, seed);
    ctx.stats.stepMs['set-up (staff, world, customer accounts)'] = performance.now() - started;
    const owed = new Map<string, bigint>();
    let outages: Outage[] = [];
    for (let i = 0; i <= options.days; i++) {
      const day = addDays(options.from, i);
      const agenda: { at: Date; what: () => Promise<unknown>; kind: string }[] = [];
      const add = (instant: Date, what: () => Promise<unknown>, kind = 'other') => agenda.push({ at: instant, what, kind });
      add(at(day, 0, 1), () => this.operations.runLifecycle(day), 'contract lifecycle job');
      if (i >= 1) {
        const yesterday = addDays(day, -1);
        add(at(day, 0, 30), () => this.marketHistory.importRange(ctx.finance(`market-${yesterday}`), yesterday, yesterday), 'market data');
        add(
          at(day, 0, 40),
          async () => {
            const settled = await this.operations.settleDay(ctx, yesterday);
            // What each pool owes the platform grows by its recorded earnings.
            for (const [poolId, sats] of settled.byPool) owed.set(poolId, (owed.get(poolId) ?? 0n) + sats);
          },
          'hash-rate reports, earnings, settlement',
        );
      }
      if (i < options.days) {
        add(at(day, 3), () => this.operations.receivePoolPayouts(ctx, day, owed), 'pool payouts');
        add(at(day, 6), () => this.operations.runAutoPayouts(day), 'automatic payouts job');
        add(at(day, 6, 30), () => this.operations.approveWithdrawals(ctx), 'withdrawal approvals and batches');
        add(
          at(day, 7),
          async () => {
            const paid = await this.operations.payOut(ctx, day);
            if (paid > 0n) ctx.stats.payoutsSatsByDay.set(day, (ctx.stats.payoutsSatsByDay.get(day) ?? 0n) + paid);
          },
          'withdrawal approvals and batches',
        );
        const deposits = ctx.plan.flatMap((customer) => customer.deposits.filter((d) => d.offset === i).map((deposit) => ({ customer, deposit })));
        add(at(day, 9), () => this.customers.deposit(ctx, deposits), 'deposits');
        const payoutSetups = ctx.plan.filter((c) => c.autoPayout && c.signupOffset === i);
        add(at(day, 9, 30), () => this.customers.setUpAutoPayouts(ctx, payoutSetups), 'payout setup (TOTP, address, threshold)');
        const purchases = ctx.plan.flatMap((customer) => customer.purchases.filter((p) => p.offset === i).map((purchase) => ({ customer, purchase })));
        add(at(day, 10), () => this.customers.purchase(ctx, purchases), 'purchases');
        outages = this.scheduleOutages(ctx, day, outages, options.outageRate ?? 0.02);
        for (const o of outages) {
          if (o.start.toISOString().slice(0, 10) === day)
            add(o.start, () => this.operations.setFleetStatus(ctx, o.fleetId, 'offline', 'simulated outage'), 'fleet outages');
          if (o.end.toISOString().slice(0, 10) === day) add(o.end, () => this.operations.setFleetStatus(ctx, o.fleetId, 'online', 'repaired'), 'fleet outages');
        }
      }
      agenda.sort((a, b) => a.at.getTime() - b.at.getTime());
      for (const item of agenda) {
        clock.advanceTo(item.at);
        const t0 = performance.now();
        await item.what();
        ctx.stats.stepMs[item.kind] = (ctx.stats.stepMs[item.kind] ?? 0) + (performance.now() - t0);
      }
      outages = outages.filter((o) => o.end.getTime() > at(addDays(day, 1), 0).getTime());
      options.onProgress?.({ step: i + 1, steps: options.days + 1, day, contracts: ctx.stats.purchases });
    }

    const to = addDays(options.from, options.days - 1);
    let t0 = performance.now();
    const rows = await this.report.rows(options.from, to, ctx.stats.payoutsSatsByDay);
    ctx.stats.stepMs['report'] = performance.now() - t0;
    t0 = performance.now();
    const tieOut = await this.report.tieOut(rows, ctx.stats.earningsRecordedSats);
    ctx.stats.stepMs['tie-out'] = performance.now() - t0;
    const summary: ReportSummary = {
      from: options.from,
      to,
      days: options.days,
      customers: ctx.plan.length,
      contracts: ctx.stats.purchases,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      tieOut,
    };
    const emails = staffEmails(EMAIL_DOMAIN);
    const text = summaryText({
      summary,
      rows,
      stats: ctx.stats,
      seed,
      database: options.database ?? 'the app database',
      outDir: options.outDir,
      logins: [
        `admin ${emails.admin}`,
        `operator ${emails.operator}`,
        `finance ${emails.finance}`,
        `customers ${ctx.plan[0]?.email ?? '-'} .. ${ctx.plan[ctx.plan.length - 1]?.email ?? '-'}`,
        `password (all) ${DEMO_PASSWORD}`,
      ],
    });
    await this.report.write(options.outDir, rows, summary, text);
    return { summary, rows, stats: ctx.stats, text, outDir: options.outDir };
  }

  /**
   * The morning before the first day: staff, the bundled market history of the week before, the
   * world sized for the customers' demand, and every customer account (in bulk).
   */
  private async setUp(clock: SimulationClock, options: SimulationOptions, seed: number): Promise<SimContext> {
    clock.advanceTo(simulationStart(options.from));
    const staff = await this.world.ensureStaff(staffEmails(EMAIL_DOMAIN), DEMO_PASSWORD);
    const requestContext = (user: typeof staff.operator) => (step: string) => ({ user, requestId: `sim-${step}` });
    const catalogue = productCatalogue();
    const plan: PlannedCustomer[] = planCustomers(
      { customers: options.customers, days: options.days, seed, emailDomain: EMAIL_DOMAIN, autoPayoutThresholdSats: options.autoPayoutThresholdSats },
      catalogue,
    );
    const spec = worldSpec('', peakDemandThs(plan, catalogue, options.days));
    const operator = requestContext(staff.operator);
    const finance = requestContext(staff.finance);
    await this.marketHistory.importRange(finance('market-history'), addDays(options.from, -7), addDays(options.from, -1));
    const world = await this.world.ensureWorld(spec, operator('world'));
    const customerIds = await this.world.ensureCustomers(
      SYSTEM_ACTOR,
      plan.map((c) => ({ email: c.email })),
      DEMO_PASSWORD,
    );
    const root = new Random(seed);
    this.logger.log(
      `simulation world: ${world.pools.length} pools, ${world.fleets.length} fleets, ${world.products.length} products, ${plan.length} customers`,
    );
    return {
      clock,
      from: options.from,
      days: options.days,
      staff,
      world,
      plan,
      customerIds,
      rng: { outages: root.fork(1), pools: root.fork(2) },
      operator,
      finance,
      stats: {
        deposits: 0,
        purchases: 0,
        refused: {},
        autoPayoutCustomers: 0,
        outages: 0,
        settlementRuns: 0,
        settlementMs: 0,
        withdrawals: 0,
        payoutsSatsByDay: new Map(),
        poolPayouts: 0,
        earningsRecordedSats: 0n,
        stepMs: {},
        expectedBySim: 0n,
      },
    };
  }

  /** New outages starting today (each fleet not already down fails with the given daily probability). */
  private scheduleOutages(ctx: SimContext, day: string, current: Outage[], rate: number): Outage[] {
    const next = [...current];
    for (const fleet of ctx.world.fleets) {
      if (next.some((o) => o.fleetId === fleet.id)) continue;
      if (!ctx.rng.outages.chance(rate)) continue;
      const start = new Date(at(day, 10).getTime() + ctx.rng.outages.int(0, 719) * 60_000);
      const end = new Date(start.getTime() + ctx.rng.outages.int(4 * 60, 40 * 60) * 60_000);
      next.push({ fleetId: fleet.id, start, end });
      ctx.stats.outages++;
    }
    return next;
  }
}
