import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth/roles.js';
import { ReqContext, type RequestContext } from '../../common/http/request-context.js';
import { RecordDifficultyDto, RecordPriceDto } from '../market/market.inputs.js';
import { MarketService } from '../market/market.service.js';
import { parseCsvRows } from '../../common/csv/csv.js';

/**
 * CSV imports of market data (the JSON routes are the market module's): every row is checked
 * before the first is written; rows are then recorded one by one with the market module's own
 * idempotent rules, so importing the same file twice changes nothing.
 */
@ApiTags('market')
@ApiBearerAuth()
@Controller('market')
export class MarketImportController {
  constructor(private readonly market: MarketService) {}

  /** Columns day, usdPerBtc. */
  @Roles('finance', 'admin')
  @Post('prices/import')
  @ApiConsumes('text/csv')
  @HttpCode(200)
  async importPrices(@ReqContext() ctx: RequestContext, @Body() body: unknown) {
    const rows = await parseCsvRows(body, RecordPriceDto);
    const results = [];
    for (const row of rows) results.push(await this.market.recordPrice(ctx, row));
    return { rows: results.length, created: results.filter((r) => r.outcome === 'created').length, results };
  }

  /** Columns day, difficulty, blockSubsidySats, avgFeesPerBlockSats. */
  @Roles('finance', 'admin')
  @Post('difficulty/import')
  @ApiConsumes('text/csv')
  @HttpCode(200)
  async importDifficulty(@ReqContext() ctx: RequestContext, @Body() body: unknown) {
    const rows = await parseCsvRows(body, RecordDifficultyDto);
    const results = [];
    for (const row of rows) results.push(await this.market.recordDifficulty(ctx, row));
    return { rows: results.length, created: results.filter((r) => r.outcome === 'created').length, results };
  }
}
