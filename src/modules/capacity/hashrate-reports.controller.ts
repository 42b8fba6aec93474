import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../common/auth/roles.js';
import { ReqContext, type RequestContext } from '../../common/http/request-context.js';
import { CreateHashrateReportDto, HashrateReportFilterDto } from './dto/hashrate-report.dto.js';
import { HashrateReportsService } from './hashrate-reports.service.js';

@ApiTags('capacity')
@ApiBearerAuth()
@Controller('hashrate-reports')
export class HashrateReportsController {
  constructor(private readonly reports: HashrateReportsService) {}

  /** 201 for a new day, 200 for a replay (unchanged) or a correction (audited). */
  @Roles('operator', 'admin')
  @Post()
  async record(@ReqContext() ctx: RequestContext, @Body() dto: CreateHashrateReportDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.reports.record(ctx, dto);
    void reply.status(result.outcome === 'created' ? 201 : 200);
    return result;
  }

  @Roles('operator', 'finance', 'admin')
  @Get()
  list(@Query() filter: HashrateReportFilterDto) {
    return this.reports.list(filter);
  }
}
