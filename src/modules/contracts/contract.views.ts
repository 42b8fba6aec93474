import { formatScaled, ghsToThs, microToUsd } from '../capacity/units/decimal-units.js';
import type { ContractRow, StatusChangeRow } from './contracts.repository.js';
import { priceMicro } from './product.views.js';

export function contractView(c: ContractRow) {
  return {
    id: c.id,
    productId: c.productId,
    poolId: c.poolId,
    hashrateThs: ghsToThs(c.hashrateGhs),
    termDays: c.termDays,
    startDay: c.startDay,
    endDay: c.endDay,
    status: c.status,
    statusChangedAt: c.statusChangedAt,
    pricePaidUsd: microToUsd(c.pricePaidMicroUsd),
    terms: {
      upfrontPriceUsdPerTh: formatScaled(priceMicro(c.upfrontPriceUsdPerTh), 6),
      electricityFeeUsdPerThDay: formatScaled(priceMicro(c.electricityFeeUsdPerThDay), 6),
      managementFeeBps: c.managementFeeBps,
      uptimeGuaranteeBps: c.uptimeGuaranteeBps,
      arrearsGraceDays: c.arrearsGraceDays,
    },
    createdAt: c.createdAt,
  };
}

export const contractHistoryView = (h: StatusChangeRow) => ({ fromStatus: h.fromStatus, toStatus: h.toStatus, changedAt: h.changedAt, reason: h.reason });
