import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { formatBtc } from '../../common/money/units.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { CapacityService } from '../capacity/capacity.service.js';
import { HashrateReportsService } from '../capacity/hashrate-reports.service.js';
import { MarketService } from '../market/market.service.js';
import { SettlementMetrics } from './settlement.metrics.js';
import { expectedEarningsRatio, judgeDay, type DayJudgement } from './reconciliation-expectation.js';
import { RangeTooLongError } from './settlement.errors.js';

export const RECONCILIATION_COLUMNS = [
  'poolId', 'day', 'earningsSats', 'expectedSats', 'variancePct', 'flagged', 'deliveredGhs', 'allocatedToCustomersSats', 'houseSats',
  'electricityFeeSats', 'managementFeeSats', 'arrearsCollectedSats', 'netCreditedSats', 'arrearsAddedMicroUsd', 'payoutsReceivedSats',
  'receivableOutstandingSats', 'runStatus', 'contracts',
] as const;

interface Row {
  pool_id: string;
  day: string;
  earnings: string | null;
  gross: string;
  house: string;
  elec: string;
  mgmt: string;
  collected: string;
  net: string;
  arrears: string;
  payouts: string;
  outstanding: string;
  status: string | null;
  contracts: number;
  delivered: string | null;
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
  ) {}

  async report(from: string, to: string) {
    if (from > to) throw new RangeTooLongError(366);
    const span = (new Date(`${to}T00:00:00Z`).getTime() - new Date(`${from}T00:00:00Z`).getTime()) / 86_400_000;
    if (span > 366) throw new RangeTooLongError(366);
    const rows: Row[] = await this.dataSource.query(
      `WITH pools AS (
         SELECT pool_id FROM pool_earnings WHERE day BETWEEN $1 AND $2
         UNION SELECT pool_id FROM settlement_runs WHERE day BETWEEN $1 AND $2
         UNION SELECT pool_id FROM pool_payouts WHERE received_at >= $1::date AND received_at < $2::date + 1
       ), grid AS (
         SELECT p.pool_id, d::date AS day FROM pools p CROSS JOIN generate_series($1::date, $2::date, interval '1 day') d
       ), runs AS (
         SELECT pool_id, day,
                ${['gross_sats AS gross', 'house_sats AS house', 'electricity_fee_sats AS elec', 'management_fee_sats AS mgmt', 'arrears_collected_sats AS collected', 'net_sats AS net', 'arrears_added_micro_usd AS arrears']
                  .map((c) => { const [col, name] = c.split(' AS '); return `coalesce(sum(${col}) FILTER (WHERE status = 'completed'), 0) AS ${name}`; }).join(', ')},
                max(contract_count) FILTER (WHERE seq = 0) AS contracts, max(delivered_ghs) FILTER (WHERE seq = 0) AS delivered,
                CASE WHEN bool_and(status = 'completed') THEN 'completed' ELSE min(status) FILTER (WHERE status <> 'completed') END AS status
           FROM settlement_runs WHERE day BETWEEN $1 AND $2
          GROUP BY pool_id, day
       ), paid AS (
         SELECT pool_id, (received_at AT TIME ZONE 'UTC')::date AS day, sum(amount_sats) AS sats FROM pool_payouts
          WHERE received_at < $2::date + 1 GROUP BY 1, 2
       ), earned AS (
         SELECT pool_id, day, amount_sats FROM pool_earnings WHERE day <= $2
       )
       SELECT g.pool_id, g.day::text AS day, e.amount_sats::text AS earnings,
              coalesce(r.gross, 0)::text AS gross, coalesce(r.house, 0)::text AS house, coalesce(r.elec, 0)::text AS elec,
              coalesce(r.mgmt, 0)::text AS mgmt, coalesce(r.collected, 0)::text AS collected, coalesce(r.net, 0)::text AS net,
              coalesce(r.arrears, 0)::text AS arrears, coalesce(pd.sats, 0)::text AS payouts,
              ((SELECT coalesce(sum(x.earnings_sats), 0) FROM settlement_runs x WHERE x.pool_id = g.pool_id AND x.day <= g.day AND x.status = 'completed'
                ) - (SELECT coalesce(sum(y.sats), 0) FROM paid y WHERE y.pool_id = g.pool_id AND y.day <= g.day))::text AS outstanding,
              r.status, coalesce(r.contracts, 0)::int AS contracts, r.delivered::text AS delivered
         FROM grid g
         LEFT JOIN earned e ON e.pool_id = g.pool_id AND e.day = g.day
         LEFT JOIN runs r ON r.pool_id = g.pool_id AND r.day = g.day
         LEFT JOIN paid pd ON pd.pool_id = g.pool_id AND pd.day = g.day
        ORDER BY g.day, g.pool_id`,
      [from, to],
    );
    const pools = new Map((await this.capacity.poolFigures([...new Set(rows.map((r) => r.pool_id))])).map((p) => [p.poolId, p]));
    const threshold = BigInt(this.config.RECONCILIATION_SHORTFALL_ALERT_BPS);
    const flaggedByPool = new Map<string, number>();
    const out = [];
    for (const r of rows) {
      const pool = pools.get(r.pool_id);
      const difficulty = await this.market.difficultyOn(r.day);
      const report = await this.hashrateReports.forDay(r.pool_id, r.day);
      const deliveredGhs = report ? BigInt(report.deliveredGhs) : r.delivered !== null ? BigInt(r.delivered) : null;
      let judged: DayJudgement | null = null;
      if (difficulty && deliveredGhs !== null) {
        // Earnings are after the pool's fee, so the expectation is too; exact until judgeDay rounds once.
        const ratio = expectedEarningsRatio({
          deliveredGhs, difficulty: difficulty.difficulty, rewardSats: difficulty.blockSubsidySats + difficulty.avgFeesPerBlockSats, poolFeeBps: pool?.feeBps ?? 0,
        });
        judged = judgeDay(r.earnings === null ? null : BigInt(r.earnings), ratio, threshold);
      }
      const expected = judged?.expectedSats ?? null;
      const earnings = r.earnings;
      const variancePct = judged?.variancePct ?? null;
      const flagged = judged?.flagged ?? false;
      if (flagged) {
        flaggedByPool.set(r.pool_id, (flaggedByPool.get(r.pool_id) ?? 0) + 1);
        this.logger.warn(`pool ${r.pool_id} earned ${earnings} sats on ${r.day}, expected ${expected} (${variancePct}%): below the alert threshold`);
      }
      out.push({
        poolId: r.pool_id, day: r.day, earningsSats: r.earnings, expectedSats: expected?.toString() ?? null, variancePct, flagged,
        deliveredGhs: deliveredGhs?.toString() ?? null, allocatedToCustomersSats: r.gross, houseSats: r.house, electricityFeeSats: r.elec,
        managementFeeSats: r.mgmt, arrearsCollectedSats: r.collected, netCreditedSats: r.net, arrearsAddedMicroUsd: r.arrears,
        payoutsReceivedSats: r.payouts, receivableOutstandingSats: r.outstanding, receivableOutstandingBtc: formatBtc(BigInt(r.outstanding)),
        runStatus: r.status ?? (r.earnings === null ? 'waiting for pool data' : 'not opened'), contracts: r.contracts,
      });
    }
    for (const [poolId, n] of flaggedByPool) this.metrics.earningsShortfall.set({ pool_id: poolId }, n);
    return { from, to, shortfallAlertBps: this.config.RECONCILIATION_SHORTFALL_ALERT_BPS, rows: out };
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
         -- flags: 1 paused, 2 in arrears after the day (see docs/settlement.md)
         SELECT day, count(DISTINCT customer_id) FILTER (WHERE net_sats > 0) AS customers,
                count(*) FILTER (WHERE seq = 0 AND flags & 2 = 2 AND flags & 1 = 0) AS in_arrears,
                count(*) FILTER (WHERE seq = 0 AND flags & 1 = 1) AS paused
           FROM contract_settlements WHERE day BETWEEN $1::date AND $2::date GROUP BY day
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
