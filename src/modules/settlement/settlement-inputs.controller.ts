import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../common/auth/roles.js';
import { ReqContext, type RequestContext } from '../../common/http/request-context.js';
import { parseCsvRows } from '../../common/csv/csv.js';
import { RecordPoolEarningsDto, RecordPoolPayoutDto } from './dto/settlement.dto.js';
import { SettlementInputsService } from './inputs/settlement-inputs.service.js';
import { SettlementRunsService } from './runs/settlement-runs.service.js';

const toEarnings = (d: RecordPoolEarningsDto) => ({ poolId: d.poolId.toLowerCase(), day: d.day, amountSats: BigInt(d.amountSats), reference: d.reference });
const toPayout = (d: RecordPoolPayoutDto) => ({
  poolId: d.poolId.toLowerCase(),
  txid: d.txid.toLowerCase(),
  vout: d.vout,
  amountSats: BigInt(d.amountSats),
  receivedAt: new Date(d.receivedAt),
});

@ApiTags('settlement')
@ApiBearerAuth()
@Controller()
export class SettlementInputsController {
  constructor(
    private readonly inputs: SettlementInputsService,
    private readonly runs: SettlementRunsService,
  ) {}

  /** A pool's earnings for a UTC day. 201 recorded, 200 unchanged or corrected (a correction after settlement becomes an adjustment run). */
  @Roles('finance', 'admin')
  @Post('pool-earnings')
  async recordEarnings(@ReqContext() ctx: RequestContext, @Body() dto: RecordPoolEarningsDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const [result] = await this.inputs.recordEarnings(ctx, [toEarnings(dto)]);
    await this.afterEarnings(ctx, [dto.day]);
    void reply.status(result.outcome === 'created' ? 201 : 200);
    return result;
  }

  /** CSV import (columns poolId, day, amountSats, reference): all rows or none. */
  @Roles('finance', 'admin')
  @Post('pool-earnings/import')
  @ApiConsumes('text/csv')
  @HttpCode(200)
  async importEarnings(@ReqContext() ctx: RequestContext, @Body() body: unknown) {
    const rows = await parseCsvRows(body, RecordPoolEarningsDto);
    const results = await this.inputs.recordEarnings(ctx, rows.map(toEarnings));
    await this.afterEarnings(
      ctx,
      rows.map((r) => r.day),
    );
    return { rows: results.length, ...countOutcomes(results), results };
  }

  /** An on-chain payment from a pool: credits the platform wallet and clears the pool receivable. Unique per (txid, vout). */
  @Roles('finance', 'admin')
  @Post('pool-payouts')
  async recordPayout(@ReqContext() ctx: RequestContext, @Body() dto: RecordPoolPayoutDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const [result] = await this.inputs.recordPayouts(ctx, [toPayout(dto)]);
    void reply.status(result.outcome === 'created' ? 201 : 200);
    return result;
  }

  /** CSV import (columns poolId, txid, vout, amountSats, receivedAt): all rows or none. */
  @Roles('finance', 'admin')
  @Post('pool-payouts/import')
  @ApiConsumes('text/csv')
  @HttpCode(200)
  async importPayouts(@ReqContext() ctx: RequestContext, @Body() body: unknown) {
    const rows = await parseCsvRows(body, RecordPoolPayoutDto, (r) => ({ ...r, vout: /^\d+$/.test(r.vout ?? '') ? Number.parseInt(r.vout, 10) : r.vout }));
    const results = await this.inputs.recordPayouts(ctx, rows.map(toPayout));
    return { rows: results.length, ...countOutcomes(results), results };
  }

  /** New or corrected earnings make their days due: open the runs and kick a worker. */
  private async afterEarnings(ctx: RequestContext, days: string[]): Promise<void> {
    const sorted = [...new Set(days)].sort();
    await this.runs.trigger(sorted[0], sorted[sorted.length - 1], ctx.user, ctx.requestId, false);
  }
}

function countOutcomes(results: { outcome: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return counts;
}
