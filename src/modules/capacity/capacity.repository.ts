import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { field, queryRows, rowShape, type RowShape } from '../../database/data-access.js';
import { Fleet, type FleetStatus } from './entities/fleet.entity.js';
import { FleetStatusChange } from './entities/fleet-status-change.entity.js';
import { MinerModel } from './entities/miner-model.entity.js';
import { Pool } from './entities/pool.entity.js';
import { Site } from './entities/site.entity.js';

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

/** SQL for sites, miner models, pools and fleets. Every method runs on the manager it is given. */
@Injectable()
export class CapacityRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // ---- sites
  insertSite(site: Pick<Site, 'name' | 'powerCapacityKw' | 'electricityPriceUsdPerKwh'>, manager: EntityManager = this.dataSource.manager): Promise<Site> {
    return manager.getRepository(Site).save(manager.getRepository(Site).create(site));
  }

  findSite(id: string, lock = false, manager: EntityManager = this.dataSource.manager): Promise<Site | null> {
    const qb = manager.getRepository(Site).createQueryBuilder('s').where('s.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  listSites(manager: EntityManager = this.dataSource.manager): Promise<Site[]> {
    return manager.getRepository(Site).find({ order: { name: 'ASC' } });
  }

  saveSite(site: Site, manager: EntityManager = this.dataSource.manager): Promise<Site> {
    return manager.getRepository(Site).save(site);
  }

  async deleteSite(id: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`DELETE FROM sites WHERE id = $1`, [id]);
  }

  /** Power the site's fleets draw, in kW (exact numeric text), counting every installed fleet whatever its status. */
  async sitePowerDrawKw(siteId: string, manager: EntityManager = this.dataSource.manager): Promise<string> {
    const rows: { drawKw: string }[] = await manager.query(
      `SELECT (COALESCE(SUM(f.unit_count::numeric * m.hashrate_ghs * m.efficiency_j_per_th), 0) / 1000000)::text AS "drawKw"
         FROM fleets f JOIN miner_models m ON m.id = f.miner_model_id WHERE f.site_id = $1`,
      [siteId],
    );
    return rows[0].drawKw;
  }

  /**
   * The site's power draw if fleet `excludeFleetId` were removed and `extra` units of a model were
   * added (create, resize, move or re-model a fleet), against its capacity; exact numerics.
   */
  async projectedSiteDraw(
    siteId: string,
    excludeFleetId: string | null,
    extra: { unitCount: number; minerModelId: string } | null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ drawKw: string; capacityKw: string; exceeds: boolean }> {
    const rows: { drawKw: string; capacityKw: string; exceeds: boolean }[] = await manager.query(
      `WITH draw AS (
         SELECT COALESCE(SUM(f.unit_count::numeric * m.hashrate_ghs * m.efficiency_j_per_th), 0) AS existing
           FROM fleets f JOIN miner_models m ON m.id = f.miner_model_id
          WHERE f.site_id = $1 AND ($2::uuid IS NULL OR f.id <> $2::uuid)
       ), added AS (
         SELECT COALESCE((SELECT $3::numeric * m.hashrate_ghs * m.efficiency_j_per_th FROM miner_models m WHERE m.id = $4::uuid), 0) AS extra
       )
       SELECT ((draw.existing + added.extra) / 1000000)::text AS "drawKw", s.power_capacity_kw::text AS "capacityKw",
              (draw.existing + added.extra) / 1000000 > s.power_capacity_kw AS exceeds
         FROM sites s, draw, added WHERE s.id = $1`,
      [siteId, excludeFleetId, extra ? extra.unitCount : 0, extra ? extra.minerModelId : null],
    );
    return rows[0];
  }

  /** True when `a` > `b`, compared exactly as numerics by Postgres. */
  async numericGreater(a: string, b: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows: { greater: boolean }[] = await manager.query(`SELECT $1::numeric > $2::numeric AS greater`, [a, b]);
    return rows[0].greater;
  }

  async siteFigures(manager: EntityManager = this.dataSource.manager): Promise<SiteFigures[]> {
    return queryRows(manager, SITE_FIGURES, `${SITE_FIGURES_SQL} GROUP BY s.id ORDER BY s.name`);
  }

  // ---- miner models
  insertMinerModel(
    model: Pick<MinerModel, 'name' | 'hashrateGhs' | 'efficiencyJPerTh'>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<MinerModel> {
    return manager.getRepository(MinerModel).save(manager.getRepository(MinerModel).create(model));
  }

  /** `lock`: 'write' before changing the model, 'read' to keep its specifications fixed while a fleet uses them. */
  findMinerModel(id: string, lock: false | 'write' | 'read' = false, manager: EntityManager = this.dataSource.manager): Promise<MinerModel | null> {
    const qb = manager.getRepository(MinerModel).createQueryBuilder('m').where('m.id = :id', { id });
    if (lock) qb.setLock(lock === 'write' ? 'pessimistic_write' : 'pessimistic_read');
    return qb.getOne();
  }

  listMinerModels(manager: EntityManager = this.dataSource.manager): Promise<MinerModel[]> {
    return manager.getRepository(MinerModel).find({ order: { name: 'ASC' } });
  }

  saveMinerModel(model: MinerModel, manager: EntityManager = this.dataSource.manager): Promise<MinerModel> {
    return manager.getRepository(MinerModel).save(model);
  }

  async deleteMinerModel(id: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`DELETE FROM miner_models WHERE id = $1`, [id]);
  }

  async countFleetsUsingModel(modelId: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const rows: { n: number }[] = await manager.query(`SELECT COUNT(*)::int AS n FROM fleets WHERE miner_model_id = $1`, [modelId]);
    return rows[0].n;
  }

  // ---- pools
  insertPool(
    pool: Pick<Pool, 'name' | 'stratumEndpoint' | 'payoutScheme' | 'feeBps' | 'payoutAddress'>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Pool> {
    return manager.getRepository(Pool).save(manager.getRepository(Pool).create(pool));
  }

  findPool(id: string, lock = false, manager: EntityManager = this.dataSource.manager): Promise<Pool | null> {
    const qb = manager.getRepository(Pool).createQueryBuilder('p').where('p.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  /** Locks pools in id order (a fixed order, so two transactions locking the same pair cannot deadlock). */
  async lockPools(ids: string[], manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(`SELECT id FROM pools WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
    return rows.map((r) => r.id);
  }

  listPools(manager: EntityManager = this.dataSource.manager): Promise<Pool[]> {
    return manager.getRepository(Pool).find({ order: { name: 'ASC' } });
  }

  savePool(pool: Pool, manager: EntityManager = this.dataSource.manager): Promise<Pool> {
    return manager.getRepository(Pool).save(pool);
  }

  async deletePool(id: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`DELETE FROM pools WHERE id = $1`, [id]);
  }

  async updatePoolSetting(
    poolId: string,
    column: 'payout_address' | 'stratum_endpoint',
    value: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(`UPDATE pools SET ${column === 'payout_address' ? 'payout_address' : 'stratum_endpoint'} = $2, updated_at = now() WHERE id = $1`, [
      poolId,
      value,
    ]);
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

  // ---- fleets
  insertFleet(
    fleet: Pick<Fleet, 'name' | 'siteId' | 'minerModelId' | 'poolId' | 'unitCount' | 'status' | 'statusChangedAt'>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Fleet> {
    return manager.getRepository(Fleet).save(manager.getRepository(Fleet).create(fleet));
  }

  findFleet(id: string, lock = false, manager: EntityManager = this.dataSource.manager): Promise<Fleet | null> {
    const qb = manager.getRepository(Fleet).createQueryBuilder('f').where('f.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  listFleets(filter: { poolId?: string; siteId?: string }, manager: EntityManager = this.dataSource.manager): Promise<Fleet[]> {
    const qb = manager.getRepository(Fleet).createQueryBuilder('f').orderBy('f.name', 'ASC');
    if (filter.poolId) qb.andWhere('f.pool_id = :poolId', { poolId: filter.poolId });
    if (filter.siteId) qb.andWhere('f.site_id = :siteId', { siteId: filter.siteId });
    return qb.getMany();
  }

  saveFleet(fleet: Fleet, manager: EntityManager = this.dataSource.manager): Promise<Fleet> {
    return manager.getRepository(Fleet).save(fleet);
  }

  async deleteFleet(id: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`DELETE FROM fleets WHERE id = $1`, [id]);
  }

  async moveFleetToPool(fleetId: string, poolId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`UPDATE fleets SET pool_id = $2, updated_at = now() WHERE id = $1`, [fleetId, poolId]);
  }

  async insertStatusChange(
    change: { fleetId: string; fromStatus: FleetStatus | null; toStatus: FleetStatus; changedAt: Date; changedBy: string | null; reason: string | null },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(`INSERT INTO fleet_status_changes (fleet_id, from_status, to_status, changed_at, changed_by, reason) VALUES ($1, $2, $3, $4, $5, $6)`, [
      change.fleetId,
      change.fromStatus,
      change.toStatus,
      change.changedAt,
      change.changedBy,
      change.reason,
    ]);
  }

  listStatusChanges(fleetId: string, manager: EntityManager = this.dataSource.manager): Promise<FleetStatusChange[]> {
    return manager.getRepository(FleetStatusChange).find({ where: { fleetId }, order: { id: 'ASC' } });
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
