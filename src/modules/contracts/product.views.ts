import { formatDecimal, parseDecimal } from '../../common/money/decimal.js';
import { divide } from '../../common/money/rounding.js';
import { formatThs, formatUsd } from '../../common/money/units.js';
import type { Product } from './entities/product.entity.js';

/** A numeric(20, 6) price as micro-USD. */
export function priceMicro(value: string): bigint {
  return parseDecimal(value, { places: 6 }, 'price');
}

export function isOnSale(p: Product, now: Date): boolean {
  return p.status === 'active' && p.salesStartAt.getTime() <= now.getTime() && (p.salesEndAt === null || p.salesEndAt.getTime() > now.getTime());
}

/** Hash rate still for sale: nothing once the window closed or the product is paused. */
export function remainingGhs(p: Product, now: Date): bigint {
  return isOnSale(p, now) ? p.capacityAllocatedGhs - p.soldGhs : 0n;
}

/**
 * What a purchase of `hashrateGhs` costs: the upfront price (charged at purchase, rounded half-up
 * to the micro-dollar) and the electricity fees over the whole term (rounded up), so the all-in
 * figure shows the full USD cost. The management fee is a share of output, quoted in bps.
 */
export function quote(p: Product, hashrateGhs: bigint) {
  const upfront = divide(priceMicro(p.upfrontPriceUsdPerTh) * hashrateGhs, 1000n, 'half-up');
  const electricityPerDay = divide(priceMicro(p.electricityFeeUsdPerThDay) * hashrateGhs, 1000n, 'ceil');
  const electricityTerm = electricityPerDay * BigInt(p.termDays);
  return {
    hashrateThs: formatThs(hashrateGhs),
    upfrontUsd: formatUsd(upfront),
    electricityUsdPerDay: formatUsd(electricityPerDay),
    electricityUsdOverTerm: formatUsd(electricityTerm),
    allInUsd: formatUsd(upfront + electricityTerm),
    managementFeeBps: p.managementFeeBps,
    withinPurchaseLimits: hashrateGhs >= p.minPurchaseGhs && hashrateGhs <= p.maxPurchaseGhs,
  };
}

export function productView(p: Product, now: Date, poolName?: string) {
  return {
    id: p.id,
    name: p.name,
    poolId: p.poolId,
    ...(poolName !== undefined ? { poolName } : {}),
    termDays: p.termDays,
    upfrontPriceUsdPerTh: formatDecimal(priceMicro(p.upfrontPriceUsdPerTh), 6),
    electricityFeeUsdPerThDay: formatDecimal(priceMicro(p.electricityFeeUsdPerThDay), 6),
    electricityFeeSource: p.electricityFeeSource,
    managementFeeBps: p.managementFeeBps,
    minPurchaseThs: formatThs(p.minPurchaseGhs),
    maxPurchaseThs: formatThs(p.maxPurchaseGhs),
    capacityAllocatedThs: formatThs(p.capacityAllocatedGhs),
    soldThs: formatThs(p.soldGhs),
    remainingThs: formatThs(remainingGhs(p, now)),
    salesStartAt: p.salesStartAt,
    salesEndAt: p.salesEndAt,
    uptimeGuaranteeBps: p.uptimeGuaranteeBps,
    arrearsGraceDays: p.arrearsGraceDays,
    status: p.status,
    onSale: isOnSale(p, now),
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}
