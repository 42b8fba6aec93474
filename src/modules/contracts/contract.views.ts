import type { ContractRow, StatusChangeRow } from './contracts.repository.js';
import { priceMicro } from './product.views.js';
import { formatDecimal } from '../../common/money/decimal.js';
import { formatThs, formatUsd } from '../../common/money/units.js';

export function contractView(c: ContractRow) {
  return {
    id: c.id,
    productId: c.productId,
    poolId: c.poolId,
    hashrateThs: formatThs(c.hashrateGhs),
    termDays: c.termDays,
    startDay: c.startDay,
    endDay: c.endDay,
    status: c.status,
    statusChangedAt: c.statusChangedAt,
    stoppedOn: c.stoppedOn,
    pricePaidUsd: formatUsd(c.pricePaidMicroUsd),
    terms: {
      upfrontPriceUsdPerTh: formatDecimal(priceMicro(c.upfrontPriceUsdPerTh), 6),
      electricityFeeUsdPerThDay: formatDecimal(priceMicro(c.electricityFeeUsdPerThDay), 6),
      managementFeeBps: c.managementFeeBps,
      uptimeGuaranteeBps: c.uptimeGuaranteeBps,
      arrearsGraceDays: c.arrearsGraceDays,
    },
    createdAt: c.createdAt,
  };
}

export const contractHistoryView = (h: StatusChangeRow) => ({ fromStatus: h.fromStatus, toStatus: h.toStatus, changedAt: h.changedAt, reason: h.reason });
