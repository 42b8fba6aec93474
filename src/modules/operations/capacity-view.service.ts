import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock/clock.js';
import { CapacityService } from '../capacity/capacity.service.js';
import { ProductsService } from '../contracts/products.service.js';
import { formatThs } from '../../common/money/units.js';

const max0 = (v: bigint) => (v > 0n ? v : 0n);

/**
 * The operators' picture per pool and per site: installed, online, allocated to products, sold
 * (live contracts), available to sell, delivered vs sold from the latest hash-rate report, and the
 * routing settings with their pending changes. Due routing changes are applied before reading.
 */
@Injectable()
export class CapacityViewService {
  constructor(
    private readonly capacity: CapacityService,
    private readonly products: ProductsService,
    private readonly clock: Clock,
  ) {}

  async view() {
    await this.capacity.applyDueRoutingChanges();
    const [pools, sites, sales, open, reports] = await Promise.all([
      this.capacity.poolFigures(),
      this.capacity.siteFigures(),
      this.products.salesByPool(),
      this.capacity.openRoutingChanges(),
      this.capacity.latestHashrateReports(),
    ]);
    const salesByPool = new Map(sales.map((s) => [s.poolId, s]));
    const reportByPool = new Map(reports.map((r) => [r.poolId, r]));
    const totals = { installedGhs: 0n, onlineGhs: 0n, allocatedGhs: 0n, soldGhs: 0n, availableGhs: 0n };

    const poolRows = pools.map((p) => {
      const s = salesByPool.get(p.poolId);
      const allocatedGhs = s?.allocatedGhs ?? 0n;
      const soldGhs = s?.soldGhs ?? 0n;
      const availableGhs = s?.availableGhs ?? 0n;
      totals.installedGhs += p.installedGhs;
      totals.onlineGhs += p.onlineGhs;
      totals.allocatedGhs += allocatedGhs;
      totals.soldGhs += soldGhs;
      totals.availableGhs += availableGhs;
      const report = reportByPool.get(p.poolId);
      return {
        poolId: p.poolId,
        name: p.name,
        payoutScheme: p.payoutScheme,
        feeBps: p.feeBps,
        fleetCount: p.fleetCount,
        settings: { payoutAddress: p.payoutAddress, stratumEndpoint: p.stratumEndpoint },
        pendingChanges: open.filter((c) => c.poolId === p.poolId || c.toPoolId === p.poolId),
        installedThs: formatThs(p.installedGhs),
        onlineThs: formatThs(p.onlineGhs),
        allocatedThs: formatThs(allocatedGhs),
        soldThs: formatThs(soldGhs),
        availableThs: formatThs(availableGhs),
        /** Online capacity not yet allocated to any product. */
        unallocatedThs: formatThs(max0(p.onlineGhs - allocatedGhs)),
        /** Sold but not online: delivered short until fleets return (settlement compensates). */
        underDeliveryThs: formatThs(max0(soldGhs - p.onlineGhs)),
        latestReport: report
          ? {
              day: report.day,
              deliveredThs: formatThs(report.deliveredGhs),
              uptimeBps: report.uptimeBps,
              soldThs: formatThs(soldGhs),
              deliveryRatioBps: soldGhs === 0n ? null : Number(report.deliveredGhs >= soldGhs ? 10_000n : (report.deliveredGhs * 10_000n) / soldGhs),
            }
          : null,
      };
    });

    return {
      asOf: this.clock.now().toISOString(),
      pools: poolRows,
      sites: sites.map((s) => ({
        siteId: s.siteId,
        name: s.name,
        fleetCount: s.fleetCount,
        powerCapacityKw: s.powerCapacityKw,
        powerDrawKw: s.powerDrawKw,
        electricityPriceUsdPerKwh: s.electricityPriceUsdPerKwh,
        installedThs: formatThs(s.installedGhs),
        onlineThs: formatThs(s.onlineGhs),
      })),
      totals: {
        installedThs: formatThs(totals.installedGhs),
        onlineThs: formatThs(totals.onlineGhs),
        allocatedThs: formatThs(totals.allocatedGhs),
        soldThs: formatThs(totals.soldGhs),
        availableThs: formatThs(totals.availableGhs),
      },
    };
  }
}
