import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user.js';
import { Roles } from '../../common/auth/roles.js';
import { Clock } from '../../common/clock/clock.js';
import { AddPayoutAddressDto } from './dto/add-payout-address.dto.js';
import { TotpCodeDto } from './dto/totp-code.dto.js';
import { PayoutAddressService } from './payout-address.service.js';
import type { RequestContext } from './payout-guard.js';
import { addressView } from './payouts.views.js';
import { Ctx } from './request-context.js';
import { UuidParam } from '../../common/http/uuid-param.js';

@ApiTags('payouts')
@ApiBearerAuth()
@Roles('customer')
@Controller('me/payout-addresses')
export class PayoutAddressController {
  constructor(
    private readonly service: PayoutAddressService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your whitelisted payout addresses, with when each becomes usable' })
  async list(@CurrentUser() user: AuthenticatedUser) {
    const now = this.clock.now();
    return { items: (await this.service.list(user.userId)).map((a) => addressView(a, now)) };
  }

  @Post()
  @ApiOperation({ summary: 'Whitelist an address (TOTP required; usable after PAYOUT_ADDRESS_LOCK_HOURS; you are notified)' })
  async add(@CurrentUser() user: AuthenticatedUser, @Body() body: AddPayoutAddressDto, @Ctx() ctx: RequestContext) {
    return addressView(await this.service.add(user, body, ctx), this.clock.now());
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove an address (TOTP required); automatic payouts to it stop' })
  async remove(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string, @Body() body: TotpCodeDto, @Ctx() ctx: RequestContext) {
    return addressView(await this.service.remove(user, id, body.totpCode, ctx), this.clock.now());
  }
}
