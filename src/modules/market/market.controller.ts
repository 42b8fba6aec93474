import { Body, Controller, Get, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, Roles } from '../../common/auth/roles.js';
import { ReqContext, type RequestContext } from '../../common/http/request-context.js';
import { RecordDifficultyDto, RecordPriceDto } from './market.inputs.js';
import { MarketService, difficultyView, priceView } from './market.service.js';

@ApiTags('market')
@ApiBearerAuth()
@Controller('market')
export class MarketController {
  constructor(private readonly market: MarketService) {}

  /** 201 when recorded, 200 for a replay of the same figures, 409 for different figures. */
  @Roles('finance', 'admin')
  @Post('prices')
  async recordPrice(@ReqContext() ctx: RequestContext, @Body() dto: RecordPriceDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.market.recordPrice(ctx, dto);
    void reply.status(result.outcome === 'created' ? 201 : 200);
    return result;
  }

  @Roles('finance', 'admin')
  @Post('difficulty')
  async recordDifficulty(@ReqContext() ctx: RequestContext, @Body() dto: RecordDifficultyDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.market.recordDifficulty(ctx, dto);
    void reply.status(result.outcome === 'created' ? 201 : 200);
    return result;
  }

  /** The latest recorded price and difficulty (what estimates use). */
  @Authenticated()
  @Get('latest')
  async latest() {
    const [price, difficulty] = await Promise.all([this.market.latestPrice(), this.market.latestDifficulty()]);
    return { price: price ? priceView(price) : null, difficulty: difficulty ? difficultyView(difficulty) : null };
  }
}
