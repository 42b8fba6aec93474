import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { formatBtc } from '../../common/money/units.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { CapacityService } from '../capacity/capacity.service.js';
import { HashrateReportsService } from '../capacity/hashrate-reports.service.js';
import { MarketService } from '../market/market.service.js';
import { expectedEarningsRatio, judgeDay, type DayJudgement } from './reconciliation-expectation.js';
import { ReconciliationRepository, type ReconciliationDayRow } from './reconciliation.repository.js';
import { SettlementMetrics } from './settlement.metrics.js';
import { RangeTooLongError } from './settlement.errors.js';

export const RECONCILIATION_COLUMNS = [
  'poolId', 'day', 'earningsSats', 'expectedSats', 'variancePct', 'flagged', 'deliveredGhs', 'allocatedToCustomersSats', 'houseSats',
  'electricityFeeSats', 'managementFeeSats', 'arrearsCollectedSats', 'netCreditedSats', 'arrearsAddedMicroUsd', 'payoutsReceivedSats',
  'receivableOutstandingSats', 'runStatus', 'contracts',
] as const;

/** A report row as the API and the CSV carry it: minor units as decimal strings. */
function reconciliationRowView(r: ReconciliationDayRow, deliveredGhs: bigint | null, judged: DayJudgement | null) {
  return {
    poolId: r.poolId, day: r.day, earningsSats: r.earningsSats?.toString() ?? null, expectedSats: judged?.expectedSats.toString() ?? null,
    variancePct: judged?.variancePct ?? null, flagged: judged?.flagged ?? false, deliveredGhs: deliveredGhs?.toString() ?? null,
    allocatedToCustomersSats: r.grossSats.toString(), houseSats: r.houseSats.toString(), electricityFeeSats: r.electricityFeeSats.toString(),
    managementFeeSats: r.managementFeeSats.toString(), arrearsCollectedSats: r.arrearsCollectedSats.toString(), netCreditedSats: r.netSats.toString(),
    arrearsAddedMicroUsd: r.arrearsAddedMicroUsd.toString(), payoutsReceivedSats: r.payoutsSats.toString(),
    receivableOutstandingSats: r.outstandingSats.toString(), receivableOutstandingBtc: formatBtc(r.outstandingSats),
    runStatus: r.runStatus ?? (r.earningsSats === null ? 'waiting for pool data' : 'not opened'), contracts: r.contracts,
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
    private readonly dataSource: DataSource,
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
          deliveredGhs, difficulty: difficulty.difficulty, rewardSats: difficulty.blockSubsidySats + difficulty.avgFeesPerBlockSats, poolFeeBps: feeBps.get(r.poolId) ?? 0,
        });
        judged = judgeDay(r.earningsSats, ratio, threshold);
      }
      if (judged?.flagged) {
        flaggedByPool.set(r.poolId, (flaggedByPool.get(r.poolId) ?? 0) + 1);
        this.logger.warn(`pool ${r.poolId} earned ${r.earningsSats} sats on ${r.day}, expected ${judged.expectedSats} (${judged.variancePct}%): below the alert threshold`);
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
  async dailySummary(from: string, to: string): Promise<DailySettlementSummary[]> {
    const rows: Record<string, string>[] = await this.dataSource.query(
      `WITH runs AS (
         SELECT day, sum(earnings_sats) AS earnings, sum(gross_sats) AS gross, sum(house_sats) AS house,
                sum(electricity_fee_sats) AS elec, sum(management_fee_sats) AS mgmt, sum(arrears_collected_sats) AS collected,
                sum(net_sats) AS net, sum(arrears_added_micro_usd) AS added,
                sum(arrears_added_micro_usd - arrears_cleared_micro_usd - arrears_collected_usd_micro_usd) AS arrears_delta,
                coalesce(sum(contract_count) FILTER (WHERE seq = 0), 0) AS contracts,
                count(*) AS runs
           FROM settlement_runs WHERE status = 'completed' AND day <= $2::date
          GROUP BY day
       ), rows AS (
         -- flags: 1 paused, 2 in arrears after the day (see docs/settlement.md); only the rows
         -- of the attempt that completed each run count.
         SELECT s.day, count(DISTINCT s.customer_id) FILTER (WHERE s.net_sats > 0) AS customers,
                count(*) FILTER (WHERE s.seq = 0 AND s.flags & 2 = 2 AND s.flags & 1 = 0) AS in_arrears,
                count(*) FILTER (WHERE s.seq = 0 AND s.flags & 1 = 1) AS paused
           FROM contract_settlements s
           JOIN settlement_runs r ON r.pool_id = s.pool_id AND r.day = s.day AND r.seq = s.seq AND r.attempt = s.attempt AND r.status = 'completed'
          WHERE s.day BETWEEN $1::date AND $2::date GROUP BY s.day
       ), days AS (
         SELECT r.*, sum(r.arrears_delta) OVER (ORDER BY r.day) AS outstanding FROM runs r
       )
       SELECT d.day::text AS day, d.earnings::text, d.gross::text, d.house::text, d.elec::text, d.mgmt::text, d.collected::text,
              d.net::text, d.added::text, d.outstanding::text, d.contracts::text, d.runs::text,
              coalesce(c.in_arrears, 0)::text AS in_arrears, coalesce(c.paused, 0)::text AS paused, coalesce(c.customers, 0)::text AS customers
         FROM days d LEFT JOIN rows c ON c.day = d.day
        WHERE d.day BETWEEN $1::date AND $2::date
        ORDER BY d.day`,
      [from, to],
    );
    return rows.map((r) => ({
      day: r.day,
      runs: Number(r.runs),
      earningsSats: BigInt(r.earnings),
      grossSats: BigInt(r.gross),
      houseSats: BigInt(r.house),
      electricityFeeSats: BigInt(r.elec),
      managementFeeSats: BigInt(r.mgmt),
      arrearsCollectedSats: BigInt(r.collected),
      netSats: BigInt(r.net),
      arrearsAddedMicroUsd: BigInt(r.added),
      arrearsOutstandingMicroUsd: BigInt(r.outstanding),
      contracts: Number(r.contracts),
      contractsInArrears: Number(r.in_arrears),
      contractsPaused: Number(r.paused),
      customersCredited: Number(r.customers),
    }));
  }

  /**
   * What each pool still owes as of a day, by age: payouts received clear the oldest settled
   * earnings first (FIFO), and what is left of each day's earnings is bucketed by its age.
   */
  async receivableAging(asOf: string): Promise<ReceivableAgingRow[]> {
    const rows: Record<string, string | null>[] = await this.dataSource.query(
      `WITH earned AS (
         SELECT pool_id, day, sum(earnings_sats) AS sats FROM settlement_runs
          WHERE status = 'completed' AND day <= $1::date GROUP BY pool_id, day
       ), paid AS (
         SELECT pool_id, sum(amount_sats) AS sats FROM pool_payouts WHERE received_at < $1::date + 1 GROUP BY pool_id
       ), fifo AS (
         SELECT e.pool_id, e.day, e.sats, sum(e.sats) OVER (PARTITION BY e.pool_id ORDER BY e.day) AS cum, coalesce(p.sats, 0) AS paid
           FROM earned e LEFT JOIN paid p ON p.pool_id = e.pool_id
       ), open AS (
         SELECT pool_id, day, paid, greatest(least(sats, cum - paid), 0) AS open, $1::date - day AS age FROM fifo
       )
       SELECT pool_id,
              coalesce(sum(open) FILTER (WHERE age <= 7), 0)::text AS d0_7,
              coalesce(sum(open) FILTER (WHERE age BETWEEN 8 AND 30), 0)::text AS d8_30,
              coalesce(sum(open) FILTER (WHERE age BETWEEN 31 AND 60), 0)::text AS d31_60,
              coalesce(sum(open) FILTER (WHERE age BETWEEN 61 AND 90), 0)::text AS d61_90,
              coalesce(sum(open) FILTER (WHERE age > 90), 0)::text AS d90,
              coalesce(sum(open), 0)::text AS total, max(paid)::text AS paid,
              min(day) FILTER (WHERE open > 0)::text AS oldest
         FROM open GROUP BY pool_id ORDER BY pool_id`,
      [asOf],
    );
    const names = new Map((await this.capacity.poolFigures(rows.map((r) => r.pool_id as string))).map((p) => [p.poolId, p.name]));
    return rows.map((r) => ({
      poolId: r.pool_id as string,
      poolName: names.get(r.pool_id as string) ?? null,
      asOf,
      days0To7Sats: BigInt(r.d0_7 as string),
      days8To30Sats: BigInt(r.d8_30 as string),
      days31To60Sats: BigInt(r.d31_60 as string),
      days61To90Sats: BigInt(r.d61_90 as string),
      over90DaysSats: BigInt(r.d90 as string),
      outstandingSats: BigInt(r.total as string),
      paidSats: BigInt(r.paid as string),
      oldestOpenDay: r.oldest,
    }));
  }
}

export interface DailySettlementSummary {
  day: string;
  runs: number;
  earningsSats: bigint;
  grossSats: bigint;
  houseSats: bigint;
  electricityFeeSats: bigint;
  managementFeeSats: bigint;
  arrearsCollectedSats: bigint;
  netSats: bigint;
  arrearsAddedMicroUsd: bigint;
  arrearsOutstandingMicroUsd: bigint;
  contracts: number;
  contractsInArrears: number;
  contractsPaused: number;
  customersCredited: number;
}

export interface ReceivableAgingRow {
  poolId: string;
  poolName: string | null;
  asOf: string;
  days0To7Sats: bigint;
  days8To30Sats: bigint;
  days31To60Sats: bigint;
  days61To90Sats: bigint;
  over90DaysSats: bigint;
  outstandingSats: bigint;
  paidSats: bigint;
  oldestOpenDay: string | null;
}
