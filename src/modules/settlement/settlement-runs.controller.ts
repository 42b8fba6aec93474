import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth/roles.js';
import { CurrentUser, type AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { ReqContext, type RequestContext } from '../../common/http/request-context.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { formatBtc, formatUsd } from '../../common/money/units.js';
import { DEFAULT_PAGE_SIZE } from '../../common/pagination/cursor.js';
import { ContractSettlementsQueryDto, ListRunsQueryDto, TriggerRunsDto } from './dto/settlement.dto.js';
import type { SettlementRun } from './entities/settlement-run.entity.js';
import { SettlementRunsService } from './runs/settlement-runs.service.js';
import { ContractSettlementsService } from './views/contract-settlements.service.js';

export const runView = (r: SettlementRun) => ({
  id: r.id,
  poolId: r.poolId,
  day: r.day,
  kind: r.seq === 0 ? 'day' : 'adjustment',
  seq: r.seq,
  status: r.status,
  waitingReason: r.waitingReason,
  error: r.error,
  contracts: r.contractCount,
  chunks: r.chunkCount,
  chunksDone: r.chunksDone,
  earningsSats: r.earningsSats?.toString() ?? null,
  btcUsd: r.btcUsd,
  deliveryRatioPpm: r.ratioPpm,
  soldGhs: r.soldGhs?.toString() ?? null,
  onlineGhs: r.onlineGhs?.toString() ?? null,
  totals: {
    grossSats: r.grossSats.toString(),
    houseSats: r.houseSats.toString(),
    electricityFeeSats: r.electricityFeeSats.toString(),
    electricityFeeUsd: formatUsd(r.electricityFeeMicroUsd),
    managementFeeSats: r.managementFeeSats.toString(),
    arrearsCollectedSats: r.arrearsCollectedSats.toString(),
    netSats: r.netSats.toString(),
    netBtc: formatBtc(r.netSats),
    arrearsAddedUsd: formatUsd(r.arrearsAddedMicroUsd),
    arrearsCollectedFromUsdBalance: formatUsd(r.arrearsCollectedUsdMicroUsd),
  },
  counts: { paused: r.pausedCount, inArrears: r.arrearsCount, extended: r.extendedCount },
  createdAt: r.createdAt,
  startedAt: r.startedAt,
  completedAt: r.completedAt,
  durationMs: r.durationMs,
});

@ApiTags('settlement')
@ApiBearerAuth()
@Controller()
export class SettlementRunsController {
  constructor(
    private readonly runs: SettlementRunsService,
    private readonly contractDays: ContractSettlementsService,
  ) {}

  /** Settle a day or a range (backfill); failed runs of those days are tried again. Idempotent: settled days do not change. */
  @Roles('finance', 'admin')
  @Post('settlements/runs')
  @HttpCode(202)
  async trigger(@ReqContext() ctx: RequestContext, @Body() dto: TriggerRunsDto) {
    const from = dto.from ?? dto.day!;
    const to = dto.to ?? dto.day!;
    const runs = await this.runs.trigger(from, to, ctx.user, ctx.requestId, true);
    return { from, to, runs: runs.map(runView) };
  }

  @Roles('finance', 'admin')
  @Get('settlements/runs')
  async list(@Query() query: ListRunsQueryDto) {
    const page = await this.runs.list({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    return { items: page.items.map(runView), nextCursor: page.nextCursor };
  }

  /** A customer's contract, day by day: each settlement, and why a day is not settled yet. Another customer's contract is 404. */
  @Roles('customer')
  @Get('contracts/:id/settlements')
  async contractSettlements(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string, @Query() query: ContractSettlementsQueryDto) {
    return this.contractDays.forCustomer(user.userId, id.toLowerCase(), query);
  }
}
