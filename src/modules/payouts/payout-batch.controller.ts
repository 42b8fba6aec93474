import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user.js';
import { Roles } from '../../common/auth/roles.js';
import { DEFAULT_PAGE_SIZE } from '../../common/pagination/cursor.js';
import { BroadcastBatchDto } from './dto/broadcast-batch.dto.js';
import { CreatePayoutBatchDto } from './dto/create-payout-batch.dto.js';
import { BatchListQueryDto, ExportQueryDto } from './dto/list-query.dto.js';
import { ReasonDto } from './dto/reject-withdrawal.dto.js';
import { PayoutBatchService } from './payout-batch.service.js';
import type { RequestContext } from './payout-guard.js';
import { batchItemView, batchView } from './payouts.views.js';
import { Ctx } from './request-context.js';
import { UuidParam } from '../../common/http/uuid-param.js';

@ApiTags('payouts (finance)')
@ApiBearerAuth()
@Roles('finance', 'admin')
@Controller('payout-batches')
export class PayoutBatchController {
  constructor(private readonly service: PayoutBatchService) {}

  @Post()
  @ApiOperation({ summary: 'Collect approved withdrawals into a batch (recorded as sent-intent) and return its export' })
  async create(@CurrentUser() user: AuthenticatedUser, @Body() body: CreatePayoutBatchDto, @Ctx() ctx: RequestContext) {
    const created = await this.service.create(user, body, ctx);
    return { batch: batchView(created.batch), items: created.items.map(batchItemView), export: created.export };
  }

  @Get()
  async list(@Query() query: BatchListQueryDto) {
    const page = await this.service.list({ status: query.status, cursor: query.cursor, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    return { items: page.items.map(batchView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  async get(@UuidParam('id') id: string) {
    const detail = await this.service.get(id);
    return { batch: batchView(detail.batch), items: detail.items.map(batchItemView) };
  }

  @Get(':id/export')
  @ApiOperation({ summary: 'The file for the signing wallet (CSV or JSON: address, sats, withdrawal ids); audited' })
  async export(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam('id') id: string,
    @Query() query: ExportQueryDto,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const format = query.format ?? 'json';
    const file = await this.service.export(user, id, format, ctx);
    void reply.header('content-type', file.contentType);
    void reply.header('content-disposition', `attachment; filename="payout-batch-${id}.${format}"`);
    return file.body;
  }

  @Post(':id/broadcast')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record the txid the wallet broadcast' })
  async broadcast(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string, @Body() body: BroadcastBatchDto, @Ctx() ctx: RequestContext) {
    return batchView(await this.service.broadcast(user, id, body.txid.toLowerCase(), ctx));
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'The transaction confirmed: settle the reserved funds out of the ledger' })
  async confirm(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string, @Ctx() ctx: RequestContext) {
    return batchView(await this.service.confirm(user, id, ctx));
  }

  @Post(':id/fail')
  @HttpCode(200)
  @ApiOperation({ summary: 'The batch was not paid: every withdrawal in it fails and its funds are released' })
  async fail(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string, @Body() body: ReasonDto, @Ctx() ctx: RequestContext) {
    return batchView(await this.service.fail(user, id, body.reason, ctx));
  }
}
