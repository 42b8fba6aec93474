import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { columnsOf, queryEntities } from '../../database/data-access.js';
import { HashrateReport } from './entities/hashrate-report.entity.js';

/** SQL for hash-rate reports: one row per (pool, UTC day). */
@Injectable()
export class HashrateReportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async findForUpdate(poolId: string, day: string, manager: EntityManager = this.dataSource.manager): Promise<HashrateReport | null> {
    const rows = await queryEntities(
      manager,
      HashrateReport,
      `SELECT ${columnsOf(manager, HashrateReport)} FROM hashrate_reports WHERE pool_id = $1 AND day = $2 FOR UPDATE`,
      [poolId, day],
    );
    return rows[0] ?? null;
  }

  /** Inserts the first report of the day; null when a concurrent request inserted it first. */
  async insertIfAbsent(report: Omit<HashrateReport, 'revision'>, manager: EntityManager = this.dataSource.manager): Promise<HashrateReport | null> {
    const rows = await queryEntities(
      manager,
      HashrateReport,
      `INSERT INTO hashrate_reports (pool_id, day, delivered_ghs, uptime_bps, revision, reported_by, reported_at)
       VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT (pool_id, day) DO NOTHING RETURNING ${columnsOf(manager, HashrateReport)}`,
      [report.poolId, report.day, report.deliveredGhs.toString(), report.uptimeBps, report.reportedBy, report.reportedAt],
    );
    return rows[0] ?? null;
  }

  async replace(report: Omit<HashrateReport, 'revision'>, manager: EntityManager = this.dataSource.manager): Promise<HashrateReport> {
    const rows = await queryEntities(
      manager,
      HashrateReport,
      `UPDATE hashrate_reports SET delivered_ghs = $3, uptime_bps = $4, revision = revision + 1, reported_by = $5, reported_at = $6
        WHERE pool_id = $1 AND day = $2 RETURNING ${columnsOf(manager, HashrateReport)}`,
      [report.poolId, report.day, report.deliveredGhs.toString(), report.uptimeBps, report.reportedBy, report.reportedAt],
    );
    return rows[0];
  }

  async list(
    filter: { poolId?: string; from?: string; to?: string; limit: number },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<HashrateReport[]> {
    const rows = await queryEntities(
      manager,
      HashrateReport,
      `SELECT ${columnsOf(manager, HashrateReport)} FROM hashrate_reports
        WHERE ($1::uuid IS NULL OR pool_id = $1) AND ($2::date IS NULL OR day >= $2) AND ($3::date IS NULL OR day <= $3)
        ORDER BY day DESC, pool_id LIMIT $4`,
      [filter.poolId ?? null, filter.from ?? null, filter.to ?? null, filter.limit],
    );
    return rows;
  }

  /** Each pool's most recent report. */
  async latestPerPool(manager: EntityManager = this.dataSource.manager): Promise<HashrateReport[]> {
    const rows = await queryEntities(
      manager,
      HashrateReport,
      `SELECT DISTINCT ON (pool_id) ${columnsOf(manager, HashrateReport)} FROM hashrate_reports ORDER BY pool_id, day DESC`,
    );
    return rows;
  }

  async findForDay(poolId: string, day: string, manager: EntityManager = this.dataSource.manager): Promise<HashrateReport | null> {
    const rows = await queryEntities(
      manager,
      HashrateReport,
      `SELECT ${columnsOf(manager, HashrateReport)} FROM hashrate_reports WHERE pool_id = $1 AND day = $2`,
      [poolId, day],
    );
    return rows[0] ?? null;
  }

  /** The reports of the given pools on the days from `from` to `to` inclusive, in (day, pool) order. */
  async findForPoolsBetween(poolIds: string[], from: string, to: string, manager: EntityManager = this.dataSource.manager): Promise<HashrateReport[]> {
    const rows = await queryEntities(
      manager,
      HashrateReport,
      `SELECT ${columnsOf(manager, HashrateReport)} FROM hashrate_reports WHERE pool_id = ANY($1::uuid[]) AND day BETWEEN $2 AND $3 ORDER BY day, pool_id`,
      [poolIds, from, to],
    );
    return rows;
  }
}
