import { Body, Controller, Delete, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user.js';
import { Roles } from '../../common/auth/roles.js';
import { Clock } from '../../common/clock/clock.js';
import { parseBtc } from '../../common/money/units.js';
import { AutoPayoutService } from './auto-payout.service.js';
import { RunAutoPayoutsDto, SetAutoPayoutDto } from './dto/auto-payout.dto.js';
import type { RequestContext } from './payout-guard.js';
import { autoPayoutView } from './payouts.views.js';
import { Ctx } from './request-context.js';

@ApiTags('payouts')
@ApiBearerAuth()
@Roles('customer')
@Controller('me/auto-payout')
export class AutoPayoutController {
  constructor(
    private readonly service: AutoPayoutService,
    private readonly clock: Clock,
  ) {}

  @Get()
  async get(@CurrentUser() user: AuthenticatedUser) {
    return autoPayoutView(await this.service.get(user.userId), this.clock.now());
  }

  @Put()
  @ApiOperation({ summary: 'Pay out the whole balance daily once it reaches the threshold (TOTP required)' })
  async set(@CurrentUser() user: AuthenticatedUser, @Body() body: SetAutoPayoutDto, @Ctx() ctx: RequestContext) {
    const thresholdSats = parseBtc(body.threshold, 'threshold', 'positive');
    return autoPayoutView(await this.service.set(user, { addressId: body.addressId, thresholdSats, totpCode: body.totpCode }, ctx), this.clock.now());
  }

  @Delete()
  @HttpCode(204)
  async disable(@CurrentUser() user: AuthenticatedUser, @Ctx() ctx: RequestContext) {
    await this.service.disable(user, ctx);
  }
}

@ApiTags('payouts (finance)')
@ApiBearerAuth()
@Roles('finance', 'admin')
@Controller('auto-payouts/runs')
export class AutoPayoutRunController {
  constructor(private readonly service: AutoPayoutService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Run automatic payouts for a day now (the daily job does this after settlement); idempotent per customer per day' })
  async run(@Body() body: RunAutoPayoutsDto) {
    return this.service.run(body.day);
  }
}
