import { Inject, Injectable, Logger } from '@nestjs/common';
import { formatBtc } from '../../../common/money/units.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import type { AppConfig } from '../../../config/config.schema.js';
import { CapacityService } from '../../capacity/capacity.service.js';
import { HashrateReportsService } from '../../capacity/hashrate-reports.service.js';
import { MarketService } from '../../market/market.service.js';
import { expectedEarningsRatio, judgeDay, type DayJudgement } from './reconciliation-expectation.js';
import { SettlementMetrics } from '../settlement.metrics.js';
import { RangeTooLongError } from '../settlement.errors.js';
import { ReconciliationRepository, type DailySettlementSummary, type ReconciliationDayRow } from './reconciliation.repository.js';

export type { DailySettlementSummary } from './reconciliation.repository.js';

export const RECONCILIATION_COLUMNS = [
  'poolId',
  'day',
  'earningsSats',
  'expectedSats',
  'variancePct',
  'flagged',
  'deliveredGhs',
  'allocatedToCustomersSats',
  'houseSats',
  'electricityFeeSats',
  'managementFeeSats',
  'arrearsCollectedSats',
  'netCreditedSats',
  'arrearsAddedMicroUsd',
  'payoutsReceivedSats',
  'receivableOutstandingSats',
  'runStatus',
  'contracts',
] as const;

/** A report row as the API and the CSV carry it: minor units as decimal strings. */
function reconciliationRowView(r: ReconciliationDayRow, deliveredGhs: bigint | null, judged: DayJudgement | null) {
  return {
    poolId: r.poolId,
    day: r.day,
    earningsSats: r.earningsSats?.toString() ?? null,
    expectedSats: judged?.expectedSats.toString() ?? null,
    variancePct: judged?.variancePct ?? null,
    flagged: judged?.flagged ?? false,
    deliveredGhs: deliveredGhs?.toString() ?? null,
    allocatedToCustomersSats: r.grossSats.toString(),
    houseSats: r.houseSats.toString(),
    electricityFeeSats: r.electricityFeeSats.toString(),
    managementFeeSats: r.managementFeeSats.toString(),
    arrearsCollectedSats: r.arrearsCollectedSats.toString(),
    netCreditedSats: r.netSats.toString(),
    arrearsAddedMicroUsd: r.arrearsAddedMicroUsd.toString(),
    payoutsReceivedSats: r.payoutsSats.toString(),
    receivableOutstandingSats: r.outstandingSats.toString(),
    receivableOutstandingBtc: formatBtc(r.outstandingSats),
    runStatus: r.runStatus ?? (r.earningsSats === null ? 'waiting for pool data' : 'not opened'),
    contracts: r.contracts,
  };
}

/**
 * Per pool and day: what the pool reported against what FPPS says it should have paid for the
 * delivered hash rate, where every sat went, what the pool actually paid and what it still owes.
 * A day below expected by more than RECONCILIATION_SHORTFALL_ALERT_BPS is flagged and alerted:
 * that is how a redirected fleet or a cheating pool shows up.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    private readonly market: MarketService,
    private readonly capacity: CapacityService,
    private readonly hashrateReports: HashrateReportsService,
    private readonly metrics: SettlementMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ReconciliationRepository,
  ) {}

  /**
   * The report over [from, to] (at most 366 days) in four statements whatever its length: the
   * grid of (pool, day) rows from settlement's tables, then for the whole range at once the
   * difficulty, the hash-rate reports and the pools' fees.
   */
  async report(from: string, to: string) {
    if (from > to) throw new RangeTooLongError(366);
    const span = (new Date(`${to}T00:00:00Z`).getTime() - new Date(`${from}T00:00:00Z`).getTime()) / 86_400_000;
    if (span > 366) throw new RangeTooLongError(366);
    const threshold = BigInt(this.config.RECONCILIATION_SHORTFALL_ALERT_BPS);
    const days = await this.repository.dayRows(from, to);
    if (days.length === 0) return { from, to, shortfallAlertBps: this.config.RECONCILIATION_SHORTFALL_ALERT_BPS, rows: [] };
    const poolIds = [...new Set(days.map((d) => d.poolId))];
    const [difficulties, reports, pools] = await Promise.all([
      this.market.difficultyBetween(from, to),
      this.hashrateReports.forPoolsBetween(poolIds, from, to),
      this.capacity.poolFigures(poolIds),
    ]);
    const difficultyOn = new Map(difficulties.map((d) => [d.day, d]));
    const reported = new Map(reports.map((r) => [`${r.poolId}/${r.day}`, r.deliveredGhs]));
    const feeBps = new Map(pools.map((p) => [p.poolId, p.feeBps]));
    const flaggedByPool = new Map<string, number>();
    const rows = days.map((r) => {
      const difficulty = difficultyOn.get(r.day);
      // The pool's own report of the day, else what the day's run used.
      const deliveredGhs = reported.get(`${r.poolId}/${r.day}`) ?? r.runDeliveredGhs;
      let judged: DayJudgement | null = null;
      if (difficulty && deliveredGhs !== null) {
        // Earnings are after the pool's fee, so the expectation is too; exact until judgeDay rounds once.
        const ratio = expectedEarningsRatio({
          deliveredGhs,
          difficulty: difficulty.difficulty,
          rewardSats: difficulty.blockSubsidySats + difficulty.avgFeesPerBlockSats,
          poolFeeBps: feeBps.get(r.poolId) ?? 0,
        });
        judged = judgeDay(r.earningsSats, ratio, threshold);
      }
      if (judged?.flagged) {
        flaggedByPool.set(r.poolId, (flaggedByPool.get(r.poolId) ?? 0) + 1);
        this.logger.warn(
          `pool ${r.poolId} earned ${r.earningsSats} sats on ${r.day}, expected ${judged.expectedSats} (${judged.variancePct}%): below the alert threshold`,
        );
      }
      return reconciliationRowView(r, deliveredGhs, judged);
    });
    for (const [poolId, n] of flaggedByPool) this.metrics.earningsShortfall.set({ pool_id: poolId }, n);
    return { from, to, shortfallAlertBps: this.config.RECONCILIATION_SHORTFALL_ALERT_BPS, rows };
  }

  /**
   * Per UTC day, all pools together, from completed runs: earnings, where they went, arrears
   * (added that day and outstanding at its end), contracts settled, owing arrears after the day
   * (not paused) and paused, customers credited (net > 0). The simulation's report reads this.
   */
  dailySummary(from: string, to: string): Promise<DailySettlementSummary[]> {
    return this.repository.dailySummary(from, to);
  }

  /**
   * What each pool still owes as of a day, by age: payouts received clear the oldest settled
   * earnings first (FIFO), and what is left of each day's earnings is bucketed by its age. Minor
   * units as decimal strings, with the total over pools.
   */
  async receivableAging(asOf: string) {
    const rows = await this.repository.receivableAging(asOf);
    const names = new Map((await this.capacity.poolFigures(rows.map((r) => r.poolId))).map((p) => [p.poolId, p.name]));
    const view = rows.map((r) => ({
      poolId: r.poolId,
      poolName: names.get(r.poolId) ?? null,
      asOf,
      days0To7Sats: r.days0To7Sats.toString(),
      days8To30Sats: r.days8To30Sats.toString(),
      days31To60Sats: r.days31To60Sats.toString(),
      days61To90Sats: r.days61To90Sats.toString(),
      over90DaysSats: r.over90DaysSats.toString(),
      outstandingSats: r.outstandingSats.toString(),
      outstandingBtc: formatBtc(r.outstandingSats),
      paidToDateSats: r.paidSats.toString(),
      oldestOpenDay: r.oldestOpenDay,
    }));
    const total = rows.reduce((s, r) => s + r.outstandingSats, 0n);
    return { asOf, totalOutstandingSats: total.toString(), totalOutstandingBtc: formatBtc(total), rows: view };
  }
}
