import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Fleet, type FleetStatus } from './entities/fleet.entity.js';
import { FleetStatusChange } from './entities/fleet-status-change.entity.js';
import { MinerModel } from './entities/miner-model.entity.js';
import { Pool } from './entities/pool.entity.js';
import { Site } from './entities/site.entity.js';

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
}
