import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { field, queryRows, rowShape, type RowOf } from '../../../database/data-access.js';

/** One (pool, day) of the reconciliation grid, from settlement's own tables. */
const DAY_ROW_FIELDS = {
  poolId: field.text,
  day: field.text,
  /** What the pool reported for the day; null when not recorded. */
  earningsSats: field.bigintOrNull,
  /** Completed runs of the day (seq 0 and adjustments) only. */
  grossSats: field.bigint,
  houseSats: field.bigint,
  electricityFeeSats: field.bigint,
  managementFeeSats: field.bigint,
  arrearsCollectedSats: field.bigint,
  netSats: field.bigint,
  arrearsAddedMicroUsd: field.bigint,
  payoutsSats: field.bigint,
  /** Settled earnings minus payouts received, from the first day on record to the end of this day. */
  outstandingSats: field.bigint,
  /** 'completed' when every run of the day is, else the first other status; null without runs. */
  runStatus: field.textOrNull,
  contracts: field.int,
  /** The delivered hash rate the day's first run used (GH/s), for days without a hash-rate report. */
  runDeliveredGhs: field.bigintOrNull,
};
const DAY_ROW = rowShape(DAY_ROW_FIELDS);
export type ReconciliationDayRow = RowOf<typeof DAY_ROW_FIELDS>;

const SUMMED = [
  ['gross_sats', 'gross', 'grossSats'],
  ['house_sats', 'house', 'houseSats'],
  ['electricity_fee_sats', 'elec', 'electricityFeeSats'],
  ['management_fee_sats', 'mgmt', 'managementFeeSats'],
  ['arrears_collected_sats', 'collected', 'arrearsCollectedSats'],
  ['net_sats', 'net', 'netSats'],
  ['arrears_added_micro_usd', 'arrears', 'arrearsAddedMicroUsd'],
] as const;

/*
 * One statement for the whole range. Day bounds of payouts are UTC midnights, spelled out so the
 * session's time zone cannot move a payout to another day. The receivable to date is a window
 * sum over the days of the grid plus an opening balance of everything before the range: the same
 * figure, per row, that a subquery over all earlier runs and payouts would give, read once.
 * DISTINCT in each branch of `pools` and an integer series for the days give the planner the
 * grid's real size (pools x days): with the union's raw row count times a date series' default
 * 1,000 rows it expected millions of rows and spent 0.7 s compiling the query with JIT for 10 ms
 * of work.
 */
const DAY_ROWS_SQL = `
WITH pools AS (
  SELECT DISTINCT pool_id FROM pool_earnings WHERE day BETWEEN $1 AND $2
  UNION SELECT DISTINCT pool_id FROM settlement_runs WHERE day BETWEEN $1 AND $2
  UNION SELECT DISTINCT pool_id FROM pool_payouts WHERE received_at >= $1::timestamp AT TIME ZONE 'UTC' AND received_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
), grid AS (
  SELECT p.pool_id, $1::date + i AS day FROM pools p CROSS JOIN generate_series(0, $2::date - $1::date) i
), runs AS (
  SELECT pool_id, day,
         ${SUMMED.map(([column, name]) => `coalesce(sum(${column}) FILTER (WHERE status = 'completed'), 0) AS ${name}`).join(', ')},
         max(contract_count) FILTER (WHERE seq = 0) AS contracts, max(delivered_ghs) FILTER (WHERE seq = 0) AS delivered,
         CASE WHEN bool_and(status = 'completed') THEN 'completed' ELSE min(status) FILTER (WHERE status <> 'completed') END AS status
    FROM settlement_runs WHERE day BETWEEN $1 AND $2
   GROUP BY pool_id, day
), paid AS (
  SELECT pool_id, (received_at AT TIME ZONE 'UTC')::date AS day, sum(amount_sats) AS sats FROM pool_payouts
   WHERE received_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC' GROUP BY 1, 2
), moves AS (
  -- what the receivable moved by each day: earnings of completed runs less payouts received
  SELECT pool_id, day, sum(sats) AS sats FROM (
    SELECT pool_id, day, earnings_sats AS sats FROM settlement_runs WHERE status = 'completed' AND day <= $2
    UNION ALL SELECT pool_id, day, -sats FROM paid
  ) m GROUP BY pool_id, day
), opening AS (
  SELECT pool_id, sum(sats) AS sats FROM moves WHERE day < $1 GROUP BY pool_id
)
SELECT g.pool_id AS "poolId", g.day::text AS day, e.amount_sats AS "earningsSats",
       ${SUMMED.map(([, name, field]) => `coalesce(r.${name}, 0) AS "${field}"`).join(', ')},
       coalesce(pd.sats, 0) AS "payoutsSats",
       coalesce(o.sats, 0) + sum(coalesce(mv.sats, 0)) OVER (PARTITION BY g.pool_id ORDER BY g.day) AS "outstandingSats",
       r.status AS "runStatus", coalesce(r.contracts, 0)::int AS contracts, r.delivered AS "runDeliveredGhs"
  FROM grid g
  LEFT JOIN pool_earnings e ON e.pool_id = g.pool_id AND e.day = g.day
  LEFT JOIN runs r ON r.pool_id = g.pool_id AND r.day = g.day
  LEFT JOIN paid pd ON pd.pool_id = g.pool_id AND pd.day = g.day
  LEFT JOIN moves mv ON mv.pool_id = g.pool_id AND mv.day = g.day
  LEFT JOIN opening o ON o.pool_id = g.pool_id
 ORDER BY g.day, g.pool_id`;

/** Per UTC day, all pools together, from completed runs (see dailySummary). */
const DAILY_SUMMARY_FIELDS = {
  day: field.text,
  runs: field.int,
  earningsSats: field.bigint,
  grossSats: field.bigint,
  houseSats: field.bigint,
  electricityFeeSats: field.bigint,
  managementFeeSats: field.bigint,
  arrearsCollectedSats: field.bigint,
  netSats: field.bigint,
  arrearsAddedMicroUsd: field.bigint,
  arrearsOutstandingMicroUsd: field.bigint,
  contracts: field.int,
  contractsInArrears: field.int,
  contractsPaused: field.int,
  customersCredited: field.int,
};
const DAILY_SUMMARY = rowShape(DAILY_SUMMARY_FIELDS);
export type DailySettlementSummary = RowOf<typeof DAILY_SUMMARY_FIELDS>;

const DAILY_SUMMARY_SQL = `
WITH runs AS (
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
SELECT d.day::text AS day, d.runs, d.earnings AS "earningsSats", d.gross AS "grossSats", d.house AS "houseSats",
       d.elec AS "electricityFeeSats", d.mgmt AS "managementFeeSats", d.collected AS "arrearsCollectedSats", d.net AS "netSats",
       d.added AS "arrearsAddedMicroUsd", d.outstanding AS "arrearsOutstandingMicroUsd", d.contracts,
       coalesce(c.in_arrears, 0) AS "contractsInArrears", coalesce(c.paused, 0) AS "contractsPaused", coalesce(c.customers, 0) AS "customersCredited"
  FROM days d LEFT JOIN rows c ON c.day = d.day
 WHERE d.day BETWEEN $1::date AND $2::date
 ORDER BY d.day`;

/** What a pool still owes as of a day, by age of the settled earnings (see receivableAging). */
const AGING_FIELDS = {
  poolId: field.text,
  days0To7Sats: field.bigint,
  days8To30Sats: field.bigint,
  days31To60Sats: field.bigint,
  days61To90Sats: field.bigint,
  over90DaysSats: field.bigint,
  outstandingSats: field.bigint,
  paidSats: field.bigint,
  oldestOpenDay: field.textOrNull,
};
const AGING = rowShape(AGING_FIELDS);
export type ReceivableAging = RowOf<typeof AGING_FIELDS>;

const AGING_SQL = `
WITH earned AS (
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
SELECT pool_id AS "poolId",
       coalesce(sum(open) FILTER (WHERE age <= 7), 0) AS "days0To7Sats",
       coalesce(sum(open) FILTER (WHERE age BETWEEN 8 AND 30), 0) AS "days8To30Sats",
       coalesce(sum(open) FILTER (WHERE age BETWEEN 31 AND 60), 0) AS "days31To60Sats",
       coalesce(sum(open) FILTER (WHERE age BETWEEN 61 AND 90), 0) AS "days61To90Sats",
       coalesce(sum(open) FILTER (WHERE age > 90), 0) AS "over90DaysSats",
       coalesce(sum(open), 0) AS "outstandingSats", max(paid) AS "paidSats",
       min(day) FILTER (WHERE open > 0)::text AS "oldestOpenDay"
  FROM open GROUP BY pool_id ORDER BY pool_id`;

/** SQL of settlement's reports over its own tables (earnings, runs, settlement rows, payouts): one statement per report. */
@Injectable()
export class ReconciliationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Every (pool, day) in [from, to] of the pools with earnings, runs or payouts in the range,
   * in (day, pool) order, in one statement whatever the range's length.
   */
  async dayRows(from: string, to: string, m?: EntityManager): Promise<ReconciliationDayRow[]> {
    return queryRows(m ?? this.dataSource, DAY_ROW, DAY_ROWS_SQL, [from, to]);
  }

  /**
   * Per UTC day of [from, to], all pools together, from completed runs: earnings, where they
   * went, arrears (added that day and outstanding at its end), contracts settled, owing arrears
   * after the day (not paused) and paused, customers credited (net > 0).
   */
  async dailySummary(from: string, to: string): Promise<DailySettlementSummary[]> {
    return queryRows(this.dataSource, DAILY_SUMMARY, DAILY_SUMMARY_SQL, [from, to]);
  }

  /**
   * Per pool, what it still owes as of `asOf`: payouts received clear the oldest settled
   * earnings first (FIFO), and what is left of each day's earnings is bucketed by its age.
   */
  async receivableAging(asOf: string): Promise<ReceivableAging[]> {
    return queryRows(this.dataSource, AGING, AGING_SQL, [asOf]);
  }
}
