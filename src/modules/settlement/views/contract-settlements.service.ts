import { Injectable } from '@nestjs/common';
import { Clock } from '../../../common/clock/clock.js';
import { formatBtc, formatUsd } from '../../../common/money/units.js';
import { addDays, utcDayOf } from '../../../common/clock/utc-day.js';
import { ContractsSettlementService } from '../../contracts/contracts-settlement.service.js';
import type { RunStatus } from '../entities/settlement-run.entity.js';
import { daysBetween } from '../runs/settlement-runs.service.js';
import { ContractNotFoundError } from '../settlement.errors.js';
import { ContractSettlementsRepository, type ContractSettlementRow } from './contract-settlements.repository.js';

export const FLAG_PAUSED = 1;
export const FLAG_IN_ARREARS = 2;
export const FLAG_BELOW_GUARANTEE = 4;

const rowView = (r: ContractSettlementRow) => ({
  day: r.day,
  kind: r.seq === 0 ? 'day' : `adjustment ${r.seq}`,
  hashrateGhs: r.hashrateGhs.toString(),
  deliveryRatioPpm: r.ratioPpm,
  grossSats: r.grossSats.toString(),
  electricityFeeUsd: formatUsd(r.electricityFeeMicroUsd),
  electricityFeeSats: r.electricityFeeSats.toString(),
  managementFeeSats: r.managementFeeSats.toString(),
  arrearsCollectedSats: r.arrearsCollectedSats.toString(),
  netSats: r.netSats.toString(),
  netBtc: formatBtc(r.netSats),
  arrearsAddedUsd: formatUsd(r.arrearsAddedMicroUsd),
  paused: (r.flags & FLAG_PAUSED) !== 0,
  inArrears: (r.flags & FLAG_IN_ARREARS) !== 0,
  belowUptimeGuarantee: (r.flags & FLAG_BELOW_GUARANTEE) !== 0,
});

/** A customer's view of one contract's days: each settled day, and for the others why not yet. */
@Injectable()
export class ContractSettlementsService {
  constructor(
    private readonly repository: ContractSettlementsRepository,
    private readonly contracts: ContractsSettlementService,
    private readonly clock: Clock,
  ) {}

  async forCustomer(customerId: string, contractId: string, query: { from?: string; to?: string; limit?: number }) {
    const contract = await this.contracts.findForCustomer(customerId, contractId);
    if (!contract) throw new ContractNotFoundError();
    const yesterday = addDays(utcDayOf(this.clock.now()), -1);
    const last = [query.to ?? yesterday, yesterday, contract.endDay].sort()[0];
    const limit = query.limit ?? 31;
    const firstWanted = query.from ?? addDays(last, 1 - limit);
    const first = firstWanted > contract.startDay ? firstWanted : contract.startDay;
    const days = first <= last ? daysBetween(first, last).slice(-limit) : [];
    const { state, runStatus, settlements } = await this.repository.contractDays(contract.poolId, contractId, days);
    const byDay = new Map<string, ContractSettlementRow[]>();
    for (const r of settlements) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
    const items = [...days].reverse().map((day) => {
      const settled = byDay.get(day);
      if (settled) return { day, settled: true, settlements: settled.map(rowView) };
      return { day, settled: false, reason: this.reason(runStatus.get(day), state) };
    });
    return {
      contract: {
        id: contract.id,
        status: contract.status,
        startDay: contract.startDay,
        endDay: contract.endDay,
        extensionDays: contract.extensionDays,
        arrearsUsd: formatUsd(state?.arrearsMicroUsd ?? 0n),
        arrearsSince: state?.arrearsSince ?? null,
        pausedForArrears: contract.status === 'paused',
      },
      days: items,
    };
  }

  /** Why a day shows no paid settlement: only a completed run's own attempt counts as paid. */
  private reason(status: RunStatus | undefined, state: { arrearsMicroUsd: bigint } | null): string {
    if (!status || status === 'waiting' || status === 'overdue') return 'waiting for pool data';
    if (status === 'failed') return 'not paid yet: the settlement of this day failed and finance is retrying it';
    if (status === 'running') return 'not paid yet: being settled';
    if (state && state.arrearsMicroUsd > 0n && status === 'completed') return 'paused for arrears';
    if (status === 'completed') return 'not delivered on this day';
    return 'run pending';
  }
}
