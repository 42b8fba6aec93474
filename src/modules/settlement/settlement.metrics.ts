import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { metricValue } from '../../common/metrics/metric-value.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import type { SettlementRun } from './entities/settlement-run.entity.js';

/** Settlement's Prometheus metrics: runs, durations, and the two alerts (missing earnings, shortfall). */
@Injectable()
export class SettlementMetrics {
  readonly runsCompleted: Counter;
  readonly runsFailed: Counter;
  readonly runDuration: Histogram;
  readonly contractsSettled: Counter;
  /** Money flows of completed runs, in sats: earnings split, and where they went (kind: net, electricity, management, arrears_collected, house). */
  readonly earningsSettled: Counter;
  readonly flowsSettled: Counter;
  /** Alert: (pool, day) runs still without earnings after the grace period. */
  readonly earningsOverdue: Gauge;
  /** Alert: pool-days whose earnings fall short of the expected FPPS by more than the threshold. */
  readonly earningsShortfall: Gauge;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.runsCompleted = new Counter({ name: 'settlement_runs_completed_total', help: 'Settlement runs completed', registers });
    this.runsFailed = new Counter({ name: 'settlement_runs_failed_total', help: 'Settlement runs failed (domain errors)', registers });
    this.runDuration = new Histogram({
      name: 'settlement_run_duration_seconds',
      help: 'From preparation to completion of a run',
      buckets: [0.1, 0.5, 1, 2, 4, 8, 16, 60, 300],
      registers,
    });
    this.contractsSettled = new Counter({ name: 'settlement_contracts_settled_total', help: 'Contract-days settled', registers });
    this.earningsSettled = new Counter({ name: 'settlement_earnings_settled_sats_total', help: 'Pool earnings split by completed runs (sats)', registers });
    this.flowsSettled = new Counter({ name: 'settlement_flow_sats_total', help: 'Where settled earnings went (sats)', labelNames: ['kind'], registers });
    this.earningsOverdue = new Gauge({
      name: 'settlement_earnings_overdue',
      help: 'Pool-days waiting for earnings past the grace period',
      labelNames: ['pool_id'],
      registers,
    });
    this.earningsShortfall = new Gauge({
      name: 'settlement_earnings_shortfall',
      help: 'Pool-days whose earnings are below the expected FPPS beyond the threshold',
      labelNames: ['pool_id'],
      registers,
    });
  }

  runCompleted(run: SettlementRun): void {
    this.runsCompleted.inc();
    this.contractsSettled.inc(run.contractCount);
    if (run.durationMs !== null) this.runDuration.observe(run.durationMs / 1000);
    if (run.earningsSats !== null && run.earningsSats > 0n) this.earningsSettled.inc(metricValue(run.earningsSats));
    const flows: [string, bigint][] = [
      ['net', run.netSats],
      ['electricity', run.electricityFeeSats],
      ['management', run.managementFeeSats],
      ['arrears_collected', run.arrearsCollectedSats],
      ['house', run.houseSats],
    ];
    for (const [kind, sats] of flows) if (sats > 0n) this.flowsSettled.inc({ kind }, metricValue(sats));
  }

  runFailed(): void {
    this.runsFailed.inc();
  }
}
