import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { field, queryRows, rowShape, type RowShape } from '../../database/data-access.js';

/** Installed and online hash rate of one pool or site, GH/s. */
export interface HashrateFigures {
  installedGhs: bigint;
  onlineGhs: bigint;
}

export interface SiteFigures extends HashrateFigures {
  siteId: string;
  name: string;
  powerCapacityKw: string;
  powerDrawKw: string;
  electricityPriceUsdPerKwh: string;
  fleetCount: number;
}

export interface PoolFigures extends HashrateFigures {
  poolId: string;
  name: string;
  payoutScheme: string;
  feeBps: number;
  payoutAddress: string;
  stratumEndpoint: string;
  fleetCount: number;
}

/** Electricity cost of a pool's fleets: sum of TH/s x J/TH x USD/kWh, and sum of TH/s, as exact numerics. */
export interface PoolPowerCost {
  hashrateGhs: bigint;
  /** Sum over fleets of units x GH/s x J/TH x USD/kWh (numeric, as text). */
  weightedCost: string;
}

const SITE_FIGURES_SQL = `
  SELECT s.id AS "siteId", s.name, s.power_capacity_kw::text AS "powerCapacityKw",
         s.electricity_price_usd_per_kwh::text AS "electricityPriceUsdPerKwh",
         COALESCE(SUM(f.unit_count::bigint * m.hashrate_ghs), 0)::text AS "installedGhs",
         COALESCE(SUM(f.unit_count::bigint * m.hashrate_ghs) FILTER (WHERE f.status = 'online'), 0)::text AS "onlineGhs",
         -- GH/s x J/TH / 1000 = W, so units x GH/s x J/TH / 10^6 = kW
         (COALESCE(SUM(f.unit_count::numeric * m.hashrate_ghs * m.efficiency_j_per_th), 0) / 1000000)::numeric(20, 3)::text AS "powerDrawKw",
         COUNT(f.id)::int AS "fleetCount"
    FROM sites s
    LEFT JOIN fleets f ON f.site_id = s.id
    LEFT JOIN miner_models m ON m.id = f.miner_model_id`;

const POOL_FIGURES_SQL = `
  SELECT p.id AS "poolId", p.name, p.payout_scheme AS "payoutScheme", p.fee_bps AS "feeBps",
         p.payout_address AS "payoutAddress", p.stratum_endpoint AS "stratumEndpoint",
         COALESCE(SUM(f.unit_count::bigint * m.hashrate_ghs), 0)::text AS "installedGhs",
         COALESCE(SUM(f.unit_count::bigint * m.hashrate_ghs) FILTER (WHERE f.status = 'online'), 0)::text AS "onlineGhs",
         COUNT(f.id)::int AS "fleetCount"
    FROM pools p
    LEFT JOIN fleets f ON f.pool_id = p.id
    LEFT JOIN miner_models m ON m.id = f.miner_model_id`;

const text = field.as<string>();
const SITE_FIGURES: RowShape<SiteFigures> = rowShape({
  siteId: text,
  name: text,
  powerCapacityKw: text,
  electricityPriceUsdPerKwh: text,
  installedGhs: field.bigint,
  onlineGhs: field.bigint,
  powerDrawKw: text,
  fleetCount: field.as<number>(),
});
const POOL_FIGURES: RowShape<PoolFigures> = rowShape({
  poolId: text,
  name: text,
  payoutScheme: text,
  feeBps: field.as<number>(),
  payoutAddress: text,
  stratumEndpoint: text,
  installedGhs: field.bigint,
  onlineGhs: field.bigint,
  fleetCount: field.as<number>(),
});
const POOL_POWER_COST: RowShape<PoolPowerCost> = rowShape({ hashrateGhs: field.bigint, weightedCost: text });
const ONLINE_GHS = rowShape({ ghs: field.bigint });
const POOL_DAY = rowShape({ poolId: text, day: text, installedGhs: field.bigint, onlineGhs: field.bigint });

/**
 * The capacity figures other modules read: installed and online hash rate per site and pool (now
 * and per UTC day, from the fleets' status history), pool fees and names, power cost.
 */
@Injectable()
export class CapacityFiguresRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async siteFigures(manager: EntityManager = this.dataSource.manager): Promise<SiteFigures[]> {
    return queryRows(manager, SITE_FIGURES, `${SITE_FIGURES_SQL} GROUP BY s.id ORDER BY s.name`);
  }

  async poolFigures(poolIds?: string[], manager: EntityManager = this.dataSource.manager): Promise<PoolFigures[]> {
    const where = poolIds ? 'WHERE p.id = ANY($1::uuid[])' : '';
    return queryRows(manager, POOL_FIGURES, `${POOL_FIGURES_SQL} ${where} GROUP BY p.id ORDER BY p.name`, poolIds ? [poolIds] : []);
  }

  /** Hash-rate-weighted electricity cost of every fleet pointed at the pool (installed, whatever the status). */
  async poolPowerCost(poolId: string, manager: EntityManager = this.dataSource.manager): Promise<PoolPowerCost> {
    const [cost] = await queryRows(
      manager,
      POOL_POWER_COST,
      `SELECT COALESCE(SUM(f.unit_count::bigint * m.hashrate_ghs), 0)::text AS "hashrateGhs",
              COALESCE(SUM(f.unit_count::numeric * m.hashrate_ghs * m.efficiency_j_per_th * s.electricity_price_usd_per_kwh), 0)::text AS "weightedCost"
         FROM fleets f
         JOIN miner_models m ON m.id = f.miner_model_id
         JOIN sites s ON s.id = f.site_id
        WHERE f.pool_id = $1`,
      [poolId],
    );
    return cost;
  }

  /**
   * A pool's online hash rate averaged over one UTC day (GH/s, floored), from its fleets' status
   * history: each fleet counts for the seconds it was online that day.
   */
  async onlineGhsOn(poolId: string, day: string, manager: EntityManager = this.dataSource.manager): Promise<bigint> {
    const [online] = await queryRows(
      manager,
      ONLINE_GHS,
      `WITH f AS (
         SELECT f.id, f.unit_count::bigint * m.hashrate_ghs AS ghs
           FROM fleets f JOIN miner_models m ON m.id = f.miner_model_id WHERE f.pool_id = $1
       ), ch AS (
         SELECT c.fleet_id, c.changed_at, c.to_status,
                lead(c.changed_at) OVER (PARTITION BY c.fleet_id ORDER BY c.changed_at, c.id) AS until
           FROM fleet_status_changes c WHERE c.fleet_id IN (SELECT id FROM f)
       ), win AS (
         SELECT fleet_id, greatest(changed_at, $2::date::timestamp AT TIME ZONE 'UTC') AS a,
                least(coalesce(until, 'infinity'::timestamptz), ($2::date + 1)::timestamp AT TIME ZONE 'UTC') AS b
           FROM ch WHERE to_status = 'online'
       )
       SELECT floor(coalesce(sum(f.ghs * extract(epoch FROM (w.b - w.a))), 0) / 86400)::bigint::text AS ghs
         FROM win w JOIN f ON f.id = w.fleet_id WHERE w.b > w.a`,
      [poolId, day],
    );
    return online.ghs;
  }

  /** Every pool's installed and online hash rate averaged over each UTC day of a range, GH/s (set-based onlineGhsOn). */
  async onlineByPoolDay(
    from: string,
    to: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ poolId: string; day: string; installedGhs: bigint; onlineGhs: bigint }[]> {
    return queryRows(
      manager,
      POOL_DAY,
      `WITH f AS (
         SELECT f.id, f.pool_id, f.unit_count::bigint * m.hashrate_ghs AS ghs
           FROM fleets f JOIN miner_models m ON m.id = f.miner_model_id
       ), ch AS (
         SELECT c.fleet_id, c.changed_at, c.to_status,
                lead(c.changed_at) OVER (PARTITION BY c.fleet_id ORDER BY c.changed_at, c.id) AS until
           FROM fleet_status_changes c
       ), days AS (
         SELECT d::date AS day FROM generate_series($1::date, $2::date, interval '1 day') d
       ), win AS (
         SELECT ch.fleet_id, days.day,
                greatest(ch.changed_at, days.day::timestamp AT TIME ZONE 'UTC') AS a,
                least(coalesce(ch.until, 'infinity'::timestamptz), (days.day + 1)::timestamp AT TIME ZONE 'UTC') AS b
           FROM ch JOIN days ON ch.changed_at < (days.day + 1)::timestamp AT TIME ZONE 'UTC'
                            AND coalesce(ch.until, 'infinity'::timestamptz) > days.day::timestamp AT TIME ZONE 'UTC'
          WHERE ch.to_status = 'online'
       ), online AS (
         SELECT f.pool_id, w.day, floor(sum(f.ghs * extract(epoch FROM (w.b - w.a))) / 86400)::bigint AS ghs
           FROM win w JOIN f ON f.id = w.fleet_id WHERE w.b > w.a GROUP BY f.pool_id, w.day
       ), installed AS (
         SELECT f.pool_id, days.day, sum(f.ghs) AS ghs
           FROM f JOIN days ON EXISTS (SELECT 1 FROM fleet_status_changes c WHERE c.fleet_id = f.id AND c.changed_at < (days.day + 1)::timestamp AT TIME ZONE 'UTC')
          GROUP BY f.pool_id, days.day
       )
       SELECT i.pool_id AS "poolId", i.day::text AS day, i.ghs::text AS "installedGhs", coalesce(o.ghs, 0)::text AS "onlineGhs"
         FROM installed i LEFT JOIN online o ON o.pool_id = i.pool_id AND o.day = i.day
        ORDER BY i.day, i.pool_id`,
      [from, to],
    );
  }
}
