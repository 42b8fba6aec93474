import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../../common/auth/roles.js';
import { Clock } from '../../common/clock/clock.js';
import { utcDayOf } from '../../common/clock/utc-day.js';
import { toCsv } from '../../common/csv/csv.js';
import { DayRangeQueryDto, type ExportFormat, PendingWithdrawalsQueryDto } from './dto/operations.dto.js';
import { OperationsService, assertRange } from './operations.service.js';

function wantsCsv(format: ExportFormat | undefined, request: FastifyRequest): boolean {
  return format === 'csv' || (format === undefined && (request.headers.accept ?? '').includes('text/csv'));
}

function sendCsv(reply: FastifyReply, filename: string, rows: Record<string, unknown>[], columns: string[]): string {
  void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`);
  return toCsv(rows, columns);
}

const columnsOf = (rows: Record<string, unknown>[], fallback: string[]) => (rows[0] ? Object.keys(rows[0]) : fallback);

@ApiTags('operations')
@ApiBearerAuth()
@Controller()
export class OperationsController {
  constructor(
    private readonly operations: OperationsService,
    private readonly clock: Clock,
  ) {}

  @Roles('operator', 'finance', 'admin')
  @Get('capacity/history')
  @ApiOperation({ summary: 'Capacity per UTC day and pool: installed, online (averaged over the day), sold, delivered, utilisation (sold / online)' })
  @ApiProduces('application/json', 'text/csv')
  async capacityHistory(@Query() query: DayRangeQueryDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const history = await this.operations.capacityHistory(query.from, query.to);
    if (!wantsCsv(query.format, request)) return history;
    return sendCsv(reply, `capacity-${query.from}-${query.to}.csv`, history.rows, columnsOf(history.rows, ['day', 'poolId']));
  }

  @Roles('finance', 'admin')
  @Get('exports/settlement-runs')
  @ApiOperation({ summary: 'CSV: every settlement run of a range with its totals (JSON with format=json)' })
  @ApiProduces('text/csv', 'application/json')
  async settlementRuns(@Query() query: DayRangeQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    assertRange(query.from, query.to);
    const rows = await this.operations.settlementRuns(query.from, query.to);
    if (query.format === 'json') return { from: query.from, to: query.to, rows };
    return sendCsv(reply, `settlement-runs-${query.from}-${query.to}.csv`, rows, columnsOf(rows, ['day', 'poolId', 'seq', 'status']));
  }

  @Roles('finance', 'admin')
  @Get('exports/withdrawals-pending')
  @ApiOperation({ summary: 'CSV: withdrawals not finished yet (requested, approved, batched, broadcast), oldest first' })
  @ApiProduces('text/csv')
  async pendingWithdrawals(@Query() query: PendingWithdrawalsQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const rows = await this.operations.pendingWithdrawals(query.status);
    return sendCsv(reply, `withdrawals-pending-${utcDayOf(this.clock.now())}.csv`, rows, columnsOf(rows, ['id', 'userId', 'status', 'amountSats']));
  }
}
