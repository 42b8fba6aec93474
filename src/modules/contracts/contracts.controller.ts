import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser, type AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Roles } from '../../common/auth/roles.js';
import { ReqContext, type RequestContext } from '../../common/http/request-context.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { ContractsService } from './contracts.service.js';
import { ContractListQueryDto, PurchaseContractDto } from './dto/contract.dto.js';

@ApiTags('contracts')
@ApiBearerAuth()
@Roles('customer')
@Controller('contracts')
export class ContractsController {
  constructor(private readonly contracts: ContractsService) {}

  /**
   * Buys hash rate: 201 with the new contract, or 200 with the first one when the same
   * Idempotency-Key is replayed (nothing is charged again). 402 when the USD balance does not
   * cover the price, 409 when sold out or not on sale; nothing is written on any refusal.
   */
  @Post()
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Unique per purchase; a replay returns the first result' })
  async purchase(
    @ReqContext() ctx: RequestContext,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() dto: PurchaseContractDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.contracts.purchase(ctx.user, idempotencyKey, dto, ctx.requestId);
    void reply.status(result.replayed ? 200 : 201);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return result.contract;
  }

  @Get()
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ContractListQueryDto) {
    return this.contracts.list(user, query);
  }

  @Get(':id')
  get(@CurrentUser() user: AuthenticatedUser, @UuidParam() id: string) {
    return this.contracts.get(user, id);
  }

  /** Before the start day only: a full refund through the ledger. */
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@ReqContext() ctx: RequestContext, @UuidParam() id: string) {
    return this.contracts.cancel(ctx.user, id, ctx.requestId);
  }
}
