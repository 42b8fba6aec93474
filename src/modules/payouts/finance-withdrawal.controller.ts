import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user.js';
import { Roles } from '../../common/auth/roles.js';
import { Clock } from '../../common/clock/clock.js';
import { DEFAULT_PAGE_SIZE } from '../../common/pagination/cursor.js';
import { FinanceWithdrawalListQueryDto } from './dto/list-query.dto.js';
import { ReasonDto } from './dto/reject-withdrawal.dto.js';
import type { RequestContext } from './payout-guard.js';
import { financeWithdrawalView } from './payouts.views.js';
import { Ctx } from './request-context.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { WithdrawalReviewService } from './withdrawal-review.service.js';

@ApiTags('payouts (finance)')
@ApiBearerAuth()
@Roles('finance', 'admin')
@Controller('withdrawals')
export class FinanceWithdrawalController {
  constructor(
    private readonly service: WithdrawalReviewService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'All withdrawals, newest first; filter by status or customer' })
  async list(@Query() query: FinanceWithdrawalListQueryDto) {
    const page = await this.service.list({ status: query.status, userId: query.userId, cursor: query.cursor, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    const now = this.clock.now();
    return { items: page.items.map((w) => financeWithdrawalView(w, now)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  async get(@UuidParam('id') id: string) {
    return financeWithdrawalView(await this.service.get(id), this.clock.now());
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve (above WITHDRAWAL_FOUR_EYES_SATS a second, different finance user must approve too)' })
  async approve(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string, @Ctx() ctx: RequestContext) {
    return financeWithdrawalView(await this.service.approve(user, id, ctx), this.clock.now());
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject with a reason; the amount returns to the customer' })
  async reject(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string, @Body() body: ReasonDto, @Ctx() ctx: RequestContext) {
    return financeWithdrawalView(await this.service.reject(user, id, body.reason, ctx), this.clock.now());
  }
}
