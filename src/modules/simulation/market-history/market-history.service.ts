import { Inject, Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import type { RequestContext } from '../../../common/http/request-context.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import type { AppConfig } from '../../../config/config.schema.js';
import { RecordDifficultyDto, RecordPriceDto } from '../../market/market.inputs.js';
import { MarketService } from '../../market/market.service.js';
import { parseCsvRows } from '../../../common/csv/csv.js';
import { bundledMarketHistoryPath, modelledFeesPerBlockSats, type MarketDay } from './market-history.js';

export interface MarketImportResult {
  days: number;
  created: number;
  unchanged: number;
}

/**
 * Loads the bundled market history through the normal market-data path: every row is validated
 * with the same DTOs as POST /v1/market/prices and /v1/market/difficulty (and their CSV
 * imports), and recorded with the same MarketService methods, as the acting finance or admin
 * user, audited, idempotent per day. No row reaches the tables any other way.
 */
@Injectable()
export class MarketHistoryService {
  private cache: { file: string; days: MarketDay[] } | undefined;

  constructor(
    private readonly market: MarketService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Every day of the file, validated, with fees modelled at SIM_TX_FEE_SHARE_BPS. */
  async load(file = bundledMarketHistoryPath()): Promise<MarketDay[]> {
    if (this.cache?.file === file) return this.cache.days;
    const text = await readFile(file, 'utf8');
    const prices = await parseCsvRows(text, RecordPriceDto, (r) => ({ day: r.date, usdPerBtc: r.btc_usd_close }));
    const share = this.config.SIM_TX_FEE_SHARE_BPS;
    const difficulties = await parseCsvRows(text, RecordDifficultyDto, (r) => ({
      day: r.date,
      difficulty: r.difficulty_7d_avg,
      blockSubsidySats: r.block_subsidy_sats,
      avgFeesPerBlockSats: /^[0-9]{1,19}$/.test(r.block_subsidy_sats ?? '')
        ? modelledFeesPerBlockSats(BigInt(r.block_subsidy_sats), share).toString()
        : r.block_subsidy_sats,
    }));
    const days = prices.map((p, i) => ({
      day: p.day,
      usdPerBtc: p.usdPerBtc,
      difficulty: difficulties[i].difficulty,
      blockSubsidySats: BigInt(difficulties[i].blockSubsidySats),
      avgFeesPerBlockSats: BigInt(difficulties[i].avgFeesPerBlockSats),
    }));
    this.cache = { file, days };
    return days;
  }

  /** The days of the file from `from` to `to` (inclusive). */
  async range(from: string, to: string, file?: string): Promise<MarketDay[]> {
    return (await this.load(file)).filter((d) => d.day >= from && d.day <= to);
  }

  /** Records the days' prices and difficulty (a day already recorded with the same figures is unchanged). */
  async record(ctx: RequestContext, days: MarketDay[]): Promise<MarketImportResult> {
    const result: MarketImportResult = { days: days.length, created: 0, unchanged: 0 };
    for (const d of days) {
      const price = await this.market.recordPrice(ctx, { day: d.day, usdPerBtc: d.usdPerBtc });
      const difficulty = await this.market.recordDifficulty(ctx, {
        day: d.day,
        difficulty: d.difficulty,
        blockSubsidySats: d.blockSubsidySats.toString(),
        avgFeesPerBlockSats: d.avgFeesPerBlockSats.toString(),
      });
      for (const outcome of [price.outcome, difficulty.outcome]) {
        if (outcome === 'created') result.created++;
        else result.unchanged++;
      }
    }
    return result;
  }

  /** Loads and records the days of a range. */
  async importRange(ctx: RequestContext, from: string, to: string, file?: string): Promise<MarketImportResult> {
    return this.record(ctx, await this.range(from, to, file));
  }
}
