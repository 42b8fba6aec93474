import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import { CapacityService } from '../capacity/capacity.service.js';
import { MarketDataMissingError } from '../market/market.errors.js';
import { MarketService, trimDecimal } from '../market/market.service.js';
import { estimateProduct } from './product-estimate.js';
import { priceMicro } from './product.views.js';
import { ProductsService } from './products.service.js';
import { formatDecimal } from '../../common/money/decimal.js';
import { formatThs, formatUsd, parseThs } from '../../common/money/units.js';

const sats = (value: bigint) => value.toString();

/** Honest estimates: today's difficulty and BTC price applied to a product's terms, with the figures used. */
@Injectable()
export class ProductEstimateService {
  constructor(
    private readonly products: ProductsService,
    private readonly market: MarketService,
    private readonly capacity: CapacityService,
  ) {}

  async estimate(productId: string, hashrateThs: string) {
    const hashrateGhs = parseThs(hashrateThs, 'hashrate');
    if (hashrateGhs > 10n ** 12n) throw new ValidationFailedError('hashrate', 'is larger than any fleet (at most 1,000,000,000 TH/s)');
    const product = await this.products.find(productId);
    const [price, difficulty, [pool]] = await Promise.all([
      this.market.latestPrice(),
      this.market.latestDifficulty(),
      this.capacity.poolFigures([product.poolId]),
    ]);
    if (!difficulty) throw new MarketDataMissingError('network difficulty');
    if (!price) throw new MarketDataMissingError('BTC price');
    const rewardSats = difficulty.blockSubsidySats + difficulty.avgFeesPerBlockSats;
    const e = estimateProduct({
      hashrateGhs,
      difficulty: difficulty.difficulty,
      rewardSats,
      btcPriceUsd: price.usdPerBtc,
      poolFeeBps: pool.feeBps,
      managementFeeBps: product.managementFeeBps,
      electricityFeeMicroUsdPerThDay: priceMicro(product.electricityFeeUsdPerThDay),
      upfrontPriceMicroUsdPerTh: priceMicro(product.upfrontPriceUsdPerTh),
      termDays: product.termDays,
    });
    return {
      estimate: true,
      disclaimer:
        'Estimate only, at the latest recorded network difficulty and BTC price held constant. Real output moves with difficulty, ' +
        'transaction fees, pool luck and fleet uptime; the electricity fee is fixed in USD, so a lower BTC price costs more sats.',
      productId: product.id,
      hashrateThs: formatThs(hashrateGhs),
      termDays: product.termDays,
      basis: {
        difficulty: trimDecimal(difficulty.difficulty),
        difficultyDay: difficulty.day,
        blockSubsidySats: sats(difficulty.blockSubsidySats),
        avgFeesPerBlockSats: sats(difficulty.avgFeesPerBlockSats),
        btcPriceUsd: trimDecimal(price.usdPerBtc),
        btcPriceDay: price.day,
        poolFeeBps: pool.feeBps,
        managementFeeBps: product.managementFeeBps,
        electricityFeeUsdPerThDay: formatDecimal(priceMicro(product.electricityFeeUsdPerThDay), 6),
      },
      daily: {
        expectedSats: sats(e.expectedSatsPerDay),
        grossSats: sats(e.grossSatsPerDay),
        managementFeeSats: sats(e.managementFeeSatsPerDay),
        electricityFeeUsd: formatUsd(e.electricityFeeMicroUsdPerDay),
        electricityFeeSats: sats(e.electricityFeeSatsPerDay),
        netSats: sats(e.netSatsPerDay),
        netUsd: formatUsd(e.netMicroUsdPerDay),
      },
      term: { netSats: sats(e.netSatsOverTerm) },
      upfrontPriceUsd: formatUsd(e.upfrontMicroUsd),
      daysToRecoverUpfront: e.daysToRecoverUpfront === null ? null : Number(e.daysToRecoverUpfront),
      recoversWithinTerm: e.daysToRecoverUpfront !== null && e.daysToRecoverUpfront <= BigInt(product.termDays),
      shutdownBtcPriceUsd: e.shutdownPriceCents === null ? null : formatDecimal(e.shutdownPriceCents, 2),
      rounding: 'output rounded down, fees rounded up, to the satoshi / micro-dollar: the estimate never overstates the net',
    };
  }
}
