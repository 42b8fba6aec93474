import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { CapacityFiguresRepository, type PoolFigures, type SiteFigures } from './capacity-figures.repository.js';
import { CapacityRepository } from './capacity.repository.js';
import { poolNotFound } from './capacity.errors.js';
import type { HashrateReport } from './entities/hashrate-report.entity.js';
import { HashrateReportsService } from './hashrate-reports.service.js';
import { RoutingChangesService } from './routing-changes.service.js';
import { formatDecimal } from '../../common/money/decimal.js';
import { divide, parsePositiveDecimal } from '../../common/money/rounding.js';

export type { PoolFigures, SiteFigures } from './capacity-figures.repository.js';

/** What other modules may ask of capacity (products, the capacity view, settlement). */
@Injectable()
export class CapacityService {
  constructor(
    private readonly repository: CapacityRepository,
    private readonly figures: CapacityFiguresRepository,
    private readonly routingChanges: RoutingChangesService,
    private readonly hashrateReports: HashrateReportsService,
  ) {}

  /**
   * Locks the pool's row for the rest of the caller's transaction and returns its capacity:
   * fleet changes take the same lock, so an allocation checked here cannot race a fleet change.
   */
  async lockPoolCapacity(manager: EntityManager, poolId: string): Promise<PoolFigures> {
    if (!(await this.repository.lockPools([poolId], manager)).length) throw poolNotFound();
    const [figures] = await this.figures.poolFigures([poolId], manager);
    return figures;
  }

  async poolFigures(poolIds?: string[]): Promise<PoolFigures[]> {
    return this.figures.poolFigures(poolIds);
  }

  async siteFigures(): Promise<SiteFigures[]> {
    return this.figures.siteFigures();
  }

  /**
   * Electricity fee in USD per TH/s per day derived from the pool's fleets: the hash-rate-weighted
   * sum of J/TH x site USD/kWh x 24 h / 1000, rounded half-up to 6 decimals. Null with no fleets.
   */
  async derivedElectricityFeeUsdPerThDay(manager: EntityManager, poolId: string): Promise<string | null> {
    const cost = await this.figures.poolPowerCost(poolId, manager);
    if (cost.hashrateGhs === 0n) return null;
    // weightedCost = sum(units x GH/s x J/TH x USD/kWh); per TH/s: / hashrateGhs; W x 24 h / 1000 = kWh/day; x 10^6 micro-USD
    if (/^0(\.0*)?$/.test(cost.weightedCost)) return formatDecimal(0n, 6);
    const weighted = parsePositiveDecimal(cost.weightedCost, 'weightedCost');
    const micro = divide(weighted.numerator * 24n * 1_000_000n, 10n ** BigInt(weighted.scale) * 1000n * cost.hashrateGhs, 'half-up');
    return formatDecimal(micro, 6);
  }

  /** Applies routing changes that are due (callers about to read pool settings). */
  async applyDueRoutingChanges(): Promise<number> {
    return this.routingChanges.applyDue();
  }

  async openRoutingChanges() {
    return this.routingChanges.openForPool();
  }

  async latestHashrateReports(): Promise<HashrateReport[]> {
    return this.hashrateReports.latestPerPool();
  }

  /** A pool's online hash rate averaged over a UTC day, GH/s (settlement's house weight). */
  async onlineGhsOn(poolId: string, day: string): Promise<bigint> {
    return this.figures.onlineGhsOn(poolId, day);
  }

  /** Installed and online (averaged over the day) hash rate of every pool on each day of a range, GH/s. */
  async onlineByPoolDay(from: string, to: string) {
    return this.figures.onlineByPoolDay(from, to);
  }

  /** Ids of every pool. */
  async poolIds(): Promise<string[]> {
    return (await this.figures.poolFigures()).map((p) => p.poolId);
  }
}
