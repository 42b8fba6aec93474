import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../../common/auth/roles.js';
import { Clock } from '../../common/clock/clock.js';
import { utcDayOf } from '../../common/clock/utc-day.js';
import { toCsv } from '../../common/csv/csv.js';
import { ReceivableAgingQueryDto, ReconciliationQueryDto } from './dto/settlement.dto.js';
import { RECONCILIATION_COLUMNS, ReconciliationService } from './views/reconciliation.service.js';

function wantsCsv(format: 'json' | 'csv' | undefined, request: FastifyRequest): boolean {
  return format === 'csv' || (format === undefined && (request.headers.accept ?? '').includes('text/csv'));
}

function sendCsv(reply: FastifyReply, filename: string, rows: Record<string, unknown>[], columns: string[]): string {
  void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`);
  return toCsv(rows, columns);
}

/** Finance's reports over settlement: the pool-day reconciliation and the pools' receivable by age. */
@ApiTags('settlement')
@ApiBearerAuth()
@Controller()
export class ReconciliationController {
  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly clock: Clock,
  ) {}

  /** Per pool per day: earnings against expected FPPS, where every sat went, payouts and the receivable. JSON, or CSV with format=csv or Accept: text/csv. */
  @Roles('finance', 'admin')
  @Get('reconciliation')
  async reconcile(@Query() query: ReconciliationQueryDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const report = await this.reconciliation.report(query.from, query.to);
    if (!wantsCsv(query.format, request)) return report;
    return sendCsv(reply, `reconciliation-${query.from}-${query.to}.csv`, report.rows, [...RECONCILIATION_COLUMNS]);
  }

  @Roles('finance', 'admin')
  @Get('reconciliation/receivable-aging')
  @ApiOperation({ summary: 'What each pool still owes, by age of the settled earnings (payouts clear the oldest first)' })
  @ApiProduces('application/json', 'text/csv')
  async receivableAging(@Query() query: ReceivableAgingQueryDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const asOf = query.asOf ?? utcDayOf(this.clock.now());
    const aging = await this.reconciliation.receivableAging(asOf);
    if (!wantsCsv(query.format, request)) return aging;
    return sendCsv(reply, `receivable-aging-${asOf}.csv`, aging.rows, aging.rows[0] ? Object.keys(aging.rows[0]) : ['poolId', 'outstandingSats']);
  }
}
