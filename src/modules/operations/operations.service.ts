import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import { formatBtc, formatUsd } from '../../common/money/units.js';
import { CapacityService } from '../capacity/capacity.service.js';
import { HashrateReportsService } from '../capacity/hashrate-reports.service.js';
import { formatThs } from '../../common/money/units.js';
import { ContractsSettlementService } from '../contracts/contracts-settlement.service.js';
import { WithdrawalReviewService } from '../payouts/withdrawal-review.service.js';
import { SettlementRunsService } from '../settlement/settlement.public.js';
import { PENDING_WITHDRAWAL_STATUSES } from './dto/operations.dto.js';

export const MAX_RANGE_DAYS = 366;

export function assertRange(from: string, to: string): void {
  if (from > to) throw new ValidationFailedError('to', 'must not be before from');
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_RANGE_DAYS) throw new ValidationFailedError('to', `must be at most ${MAX_RANGE_DAYS} days after from`);
}

/** Utilisation in basis points of online capacity (sold / online), capped at nothing: above 10000 is under-delivery. */
const utilisationBps = (sold: bigint, online: bigint) => (online === 0n ? null : Number((sold * 10_000n) / online));
const pct = (bps: number | null) => (bps === null ? null : (bps / 100).toFixed(2));

/**
 * The operations views: capacity history for operators; settlement runs and
 * pending withdrawals for finance (JSON and CSV). Read-only, through the owners' services.
 */
@Injectable()
export class OperationsService {
  constructor(
    private readonly capacity: CapacityService,
    private readonly hashrateReports: HashrateReportsService,
    private readonly sales: ContractsSettlementService,
    private readonly runs: SettlementRunsService,
    private readonly withdrawals: WithdrawalReviewService,
  ) {}

  /** Per UTC day and pool: installed, online (averaged over the day), sold, delivered, utilisation. */
  async capacityHistory(from: string, to: string) {
    assertRange(from, to);
    const [online, sold, pools] = await Promise.all([this.capacity.onlineByPoolDay(from, to), this.sales.soldByPoolDay(from, to), this.capacity.poolFigures()]);
    // Per pool: a report list is capped at 1,000 rows, a pool has at most 366 in a range.
    const reports = (await Promise.all(pools.map((p) => this.hashrateReports.list({ poolId: p.poolId, from, to })))).flat();
    const names = new Map(pools.map((p) => [p.poolId, p.name]));
    const keys = new Map<string, { day: string; poolId: string }>();
    for (const r of [...online, ...sold]) keys.set(`${r.day}|${r.poolId}`, { day: r.day, poolId: r.poolId });
    const rows = [...keys.values()]
      .sort((a, b) => (a.day === b.day ? a.poolId.localeCompare(b.poolId) : a.day.localeCompare(b.day)))
      .map(({ day, poolId }) => {
        const o = online.find((x) => x.day === day && x.poolId === poolId);
        const s = sold.find((x) => x.day === day && x.poolId === poolId);
        const report = reports.find((x) => x.day === day && x.poolId === poolId);
        const onlineGhs = o?.onlineGhs ?? 0n;
        const soldGhs = s?.soldGhs ?? 0n;
        const bps = utilisationBps(soldGhs, onlineGhs);
        return {
          day,
          poolId,
          poolName: names.get(poolId) ?? null,
          installedThs: formatThs(o?.installedGhs ?? 0n),
          onlineThs: formatThs(onlineGhs),
          soldThs: formatThs(soldGhs),
          contracts: s?.contracts ?? 0,
          deliveredThs: report?.deliveredThs ?? null,
          uptimeBps: report?.uptimeBps ?? null,
          utilisationPct: pct(bps),
        };
      });
    const days = [...new Set(rows.map((r) => r.day))].map((day) => {
      const of = (f: (r: (typeof online)[number]) => bigint) => online.filter((x) => x.day === day).reduce((t, x) => t + f(x), 0n);
      const onlineGhs = of((x) => x.onlineGhs);
      const soldGhs = sold.filter((x) => x.day === day).reduce((t, x) => t + x.soldGhs, 0n);
      return {
        day,
        installedThs: formatThs(of((x) => x.installedGhs)),
        onlineThs: formatThs(onlineGhs),
        soldThs: formatThs(soldGhs),
        utilisationPct: pct(utilisationBps(soldGhs, onlineGhs)),
      };
    });
    return { from, to, days, rows };
  }

  /** Every (pool, day) settlement run of a range, oldest first, with its totals. */
  async settlementRuns(from: string, to: string) {
    assertRange(from, to);
    const rows = [];
    let cursor: string | undefined;
    do {
      const page = await this.runs.list({ from, to, cursor, limit: 1000 });
      rows.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return rows.reverse().map((r) => ({
      day: r.day,
      poolId: r.poolId,
      seq: r.seq,
      kind: r.seq === 0 ? 'day' : 'adjustment',
      status: r.status,
      contracts: r.contractCount,
      earningsSats: r.earningsSats?.toString() ?? '',
      grossSats: r.grossSats.toString(),
      houseSats: r.houseSats.toString(),
      electricityFeeSats: r.electricityFeeSats.toString(),
      electricityFeeUsd: formatUsd(r.electricityFeeMicroUsd),
      managementFeeSats: r.managementFeeSats.toString(),
      arrearsCollectedSats: r.arrearsCollectedSats.toString(),
      netSats: r.netSats.toString(),
      arrearsAddedUsd: formatUsd(r.arrearsAddedMicroUsd),
      deliveryRatioPpm: r.ratioPpm ?? '',
      inArrears: r.arrearsCount,
      paused: r.pausedCount,
      durationMs: r.durationMs ?? '',
      completedAt: r.completedAt?.toISOString() ?? '',
      waitingReason: r.waitingReason ?? '',
      error: r.error ?? '',
    }));
  }

  /** Withdrawals not finished yet (requested, approved, batched, broadcast), oldest first. */
  async pendingWithdrawals(status?: (typeof PENDING_WITHDRAWAL_STATUSES)[number]) {
    const out = [];
    for (const s of status ? [status] : PENDING_WITHDRAWAL_STATUSES) {
      let cursor: string | undefined;
      do {
        const page = await this.withdrawals.list({ status: s, cursor, limit: 200 });
        out.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    return out
      .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime())
      .map((w) => ({
        id: w.id,
        userId: w.userId,
        status: w.status,
        source: w.source,
        amountSats: w.amountSats.toString(),
        amountBtc: formatBtc(w.amountSats),
        feeSats: w.feeSats.toString(),
        netSats: w.netSats.toString(),
        address: w.address,
        requestedAt: w.requestedAt.toISOString(),
        approvedAt: w.approvedAt?.toISOString() ?? '',
        batchId: w.batchId ?? '',
        txid: w.txid ?? '',
        requiresSecondApproval: w.requiresSecondApproval,
      }));
  }
}
