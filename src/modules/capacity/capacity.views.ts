import type { Fleet } from './entities/fleet.entity.js';
import type { FleetStatusChange } from './entities/fleet-status-change.entity.js';
import type { MinerModel } from './entities/miner-model.entity.js';
import type { Pool } from './entities/pool.entity.js';
import type { RoutingChange } from './entities/routing-change.entity.js';
import type { Site } from './entities/site.entity.js';
import type { HashrateReport } from './entities/hashrate-report.entity.js';
import { formatDecimal, parseDecimal } from '../../common/money/decimal.js';
import { formatThs } from '../../common/money/units.js';

/** A stored decimal shown with exactly `places` places ("1500" -> "1500.000"). */
export function fixed(value: string, places: number): string {
  return formatDecimal(parseDecimal(value, { places }, 'value'), places);
}

export const siteView = (s: Site) => ({
  id: s.id,
  name: s.name,
  powerCapacityKw: fixed(s.powerCapacityKw, 3),
  electricityPriceUsdPerKwh: fixed(s.electricityPriceUsdPerKwh, 6),
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

export const minerModelView = (m: MinerModel) => ({
  id: m.id,
  name: m.name,
  hashrateThs: formatThs(m.hashrateGhs),
  efficiencyJPerTh: fixed(m.efficiencyJPerTh, 3),
  createdAt: m.createdAt,
  updatedAt: m.updatedAt,
});

export const poolView = (p: Pool) => ({
  id: p.id,
  name: p.name,
  stratumEndpoint: p.stratumEndpoint,
  payoutScheme: p.payoutScheme,
  feeBps: p.feeBps,
  payoutAddress: p.payoutAddress,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

export const fleetView = (f: Fleet, model?: MinerModel | null) => ({
  id: f.id,
  name: f.name,
  siteId: f.siteId,
  minerModelId: f.minerModelId,
  poolId: f.poolId,
  unitCount: f.unitCount,
  status: f.status,
  statusChangedAt: f.statusChangedAt,
  ...(model ? { hashrateThs: formatThs(model.hashrateGhs * BigInt(f.unitCount)) } : {}),
  createdAt: f.createdAt,
  updatedAt: f.updatedAt,
});

export const statusChangeView = (c: FleetStatusChange) => ({
  fromStatus: c.fromStatus,
  toStatus: c.toStatus,
  changedAt: c.changedAt,
  changedBy: c.changedBy,
  reason: c.reason,
});

export const routingChangeView = (c: RoutingChange) => ({
  id: c.id,
  kind: c.kind,
  poolId: c.poolId,
  fleetId: c.fleetId,
  toPoolId: c.toPoolId,
  oldValue: c.oldValue,
  newValue: c.newValue,
  reason: c.reason,
  status: c.status,
  requestedBy: c.requestedBy,
  requestedAt: c.requestedAt,
  approvedBy: c.approvedBy,
  approvedAt: c.approvedAt,
  effectiveAt: c.effectiveAt,
  appliedAt: c.appliedAt,
  cancelledBy: c.cancelledBy,
  cancelledAt: c.cancelledAt,
  cancelReason: c.cancelReason,
});

export const hashrateReportView = (r: HashrateReport) => ({
  poolId: r.poolId,
  day: r.day,
  deliveredThs: formatThs(r.deliveredGhs),
  uptimeBps: r.uptimeBps,
  revision: r.revision,
  reportedBy: r.reportedBy,
  reportedAt: r.reportedAt,
});
