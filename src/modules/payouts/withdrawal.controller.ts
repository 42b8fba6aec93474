import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user.js';
import { Roles } from '../../common/auth/roles.js';
import { Clock } from '../../common/clock/clock.js';
import { parseBtc } from '../../common/money/units.js';
import { DEFAULT_PAGE_SIZE } from '../../common/pagination/cursor.js';
import { WithdrawalListQueryDto } from './dto/list-query.dto.js';
import { RequestWithdrawalDto } from './dto/request-withdrawal.dto.js';
import type { RequestContext } from './payout-guard.js';
import { PayoutsErrors } from './payouts.errors.js';
import { withdrawalView } from './payouts.views.js';
import { Ctx } from './request-context.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { WithdrawalRequestService } from './withdrawal-request.service.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,128}$/;

@ApiTags('payouts')
@ApiBearerAuth()
@Roles('customer')
@Controller('me/withdrawals')
export class WithdrawalController {
  constructor(
    private readonly service: WithdrawalRequestService,
    private readonly clock: Clock,
  ) {}

  @Post()
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'A replay with the same key returns the first result (200) and moves nothing' })
  @ApiOperation({ summary: 'Request a withdrawal to a whitelisted address (TOTP required); the amount is reserved at once' })
  async request(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: RequestWithdrawalDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!idempotencyKey || !IDEMPOTENCY_KEY.test(idempotencyKey)) throw PayoutsErrors.idempotencyKeyRequired();
    const amountSats = parseBtc(body.amount, 'amount', 'positive');
    const outcome = await this.service.request(
      user,
      { addressId: body.addressId, address: body.address, amountSats, totpCode: body.totpCode },
      idempotencyKey,
      ctx,
    );
    void reply.status(outcome.replayed ? 200 : 201);
    return withdrawalView(outcome.withdrawal, this.clock.now(), await this.service.accountLockedUntil(user.userId));
  }

  @Get()
  @ApiOperation({ summary: 'Your withdrawals, newest first, each with its status and what it waits for' })
  async list(@CurrentUser() user: AuthenticatedUser, @Query() query: WithdrawalListQueryDto) {
    const page = await this.service.list(user.userId, { status: query.status, cursor: query.cursor, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    const lockedUntil = await this.service.accountLockedUntil(user.userId);
    const now = this.clock.now();
    return { items: page.items.map((w) => withdrawalView(w, now, lockedUntil)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  async get(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string) {
    const withdrawal = await this.service.get(user.userId, id);
    return withdrawalView(withdrawal, this.clock.now(), await this.service.accountLockedUntil(user.userId));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a withdrawal that still waits for approval; the amount returns to your balance' })
  async cancel(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string, @Ctx() ctx: RequestContext) {
    return withdrawalView(await this.service.cancel(user, id, ctx), this.clock.now(), null);
  }
}
