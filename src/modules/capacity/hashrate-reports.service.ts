import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock/clock.js';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import type { RequestContext } from '../../common/http/request-context.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { CapacityRepository } from './capacity.repository.js';
import { poolNotFound } from './capacity.errors.js';
import { hashrateReportView } from './capacity.views.js';
import type { CreateHashrateReportDto, HashrateReportFilterDto } from './dto/hashrate-report.dto.js';
import type { HashrateReport } from './entities/hashrate-report.entity.js';
import { HashrateReportsRepository } from './hashrate-reports.repository.js';
import { utcDayOf } from '../../common/clock/utc-day.js';
import { parseThs } from '../../common/money/units.js';

export type ReportOutcome = 'created' | 'unchanged' | 'corrected';

/**
 * Delivered hash rate per pool per UTC day. Posting the same figures again is a no-op; posting
 * different figures for a reported day is a correction: it replaces them and is audited.
 */
@Injectable()
export class HashrateReportsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: HashrateReportsRepository,
    private readonly capacity: CapacityRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async record(ctx: RequestContext, dto: CreateHashrateReportDto): Promise<{ outcome: ReportOutcome; report: ReturnType<typeof hashrateReportView> }> {
    const now = this.clock.now();
    if (dto.day > utcDayOf(now)) throw new ValidationFailedError('day', 'must not be in the future (UTC)');
    const deliveredGhs = parseThs(dto.deliveredThs, 'deliveredThs', 'non-negative');
    return this.tx.run(async (manager) => {
      if (!(await this.capacity.findPool(dto.poolId, false, manager))) throw poolNotFound();
      const incoming = { poolId: dto.poolId, day: dto.day, deliveredGhs, uptimeBps: dto.uptimeBps, reportedBy: ctx.user.userId, reportedAt: now };
      let existing = await this.repository.findForUpdate(dto.poolId, dto.day, manager);
      if (!existing) {
        const created = await this.repository.insertIfAbsent(incoming, manager);
        if (created) {
          const view = hashrateReportView(created);
          await this.audit.record(manager, {
            actor: ctx.user,
            action: 'capacity.hashrate_report.recorded',
            entityType: 'hashrate_report',
            entityId: `${dto.poolId}/${dto.day}`,
            after: view,
            requestId: ctx.requestId,
          });
          return { outcome: 'created' as const, report: view };
        }
        // A concurrent request recorded the day first: compare with what it wrote.
        const winner = await this.repository.findForUpdate(dto.poolId, dto.day, manager);
        // Reports are never deleted, so the row the insert collided with is there.
        if (!winner) throw new Error(`hash-rate report ${dto.poolId}/${dto.day} conflicted on insert but cannot be read`);
        existing = winner;
      }
      if (existing.deliveredGhs === deliveredGhs && existing.uptimeBps === dto.uptimeBps) {
        return { outcome: 'unchanged' as const, report: hashrateReportView(existing) };
      }
      const corrected = await this.repository.replace(incoming, manager);
      const view = hashrateReportView(corrected);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.hashrate_report.corrected',
        entityType: 'hashrate_report',
        entityId: `${dto.poolId}/${dto.day}`,
        before: hashrateReportView(existing),
        after: view,
        requestId: ctx.requestId,
      });
      return { outcome: 'corrected' as const, report: view };
    });
  }

  async list(filter: HashrateReportFilterDto) {
    return (await this.repository.list({ ...filter, limit: 1000 })).map(hashrateReportView);
  }

  /** Each pool's most recent report, for the capacity view and settlement. */
  async latestPerPool(): Promise<HashrateReport[]> {
    return this.repository.latestPerPool();
  }

  /** The report for one pool and UTC day, or null (settlement reads delivered hash rate here). */
  async forDay(poolId: string, day: string): Promise<HashrateReport | null> {
    return this.repository.findForDay(poolId, day);
  }

  /** The reports of `poolIds` on every day in [from, to], in one query (reconciliation reads a year at once). */
  async forPoolsBetween(poolIds: string[], from: string, to: string): Promise<HashrateReport[]> {
    return this.repository.findForPoolsBetween(poolIds, from, to);
  }
}
