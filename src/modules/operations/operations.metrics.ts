import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { metricValue } from '../../common/metrics/metric-value.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { parseAmount } from '../../common/money/units.js';
import { CapacityService } from '../capacity/capacity.service.js';
import { LedgerIntegrityService } from '../ledger/ledger-integrity.service.js';
import { MarketService } from '../market/market.service.js';
import { SettlementRunsService } from '../settlement/settlement.public.js';
import { OperationsService } from './operations.service.js';

const REFRESH_MS = 30_000;

/**
 * Money and operations gauges, refreshed at most every 30 s on scrape: where the money sits
 * (every platform account and the customers' buckets, per currency), each pool's variance of
 * its latest settled day against the expected FPPS earnings, and pending withdrawals.
 * (Settlement's own counters cover run durations, contracts settled and settled flows.)
 */
@Injectable()
export class OperationsMetrics implements OnModuleInit {
  private readonly balance: Gauge;
  private readonly variance: Gauge;
  private readonly pending: Gauge;
  private readonly pendingSats: Gauge;
  private refreshedAt = 0;

  constructor(
    private readonly metrics: MetricsService,
    private readonly ledger: LedgerIntegrityService,
    private readonly runs: SettlementRunsService,
    private readonly market: MarketService,
    private readonly capacity: CapacityService,
    private readonly operations: OperationsService,
  ) {
    const registers = [metrics.registry];
    this.balance = new Gauge({
      name: 'ledger_balance_minor',
      help: 'Ledger balances in minor units (sats, micro-USD): platform accounts, and customer buckets summed',
      labelNames: ['kind', 'account', 'currency'],
      registers,
    });
    this.variance = new Gauge({
      name: 'settlement_earnings_variance_bps',
      help: "A pool's latest settled day: earnings against expected FPPS for its delivered hash rate (basis points)",
      labelNames: ['pool_id'],
      registers,
    });
    this.pending = new Gauge({ name: 'withdrawals_pending', help: 'Withdrawals not finished yet, by status', labelNames: ['status'], registers });
    this.pendingSats = new Gauge({
      name: 'withdrawals_pending_sats',
      help: 'Sats of the withdrawals not finished yet, by status',
      labelNames: ['status'],
      registers,
    });
  }

  onModuleInit(): void {
    this.metrics.addCollector(() => this.refresh());
  }

  async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.refreshedAt < REFRESH_MS) return;
    this.refreshedAt = Date.now();
    const trial = await this.ledger.trialBalance();
    this.balance.reset();
    for (const c of trial.currencies)
      for (const line of c.lines)
        this.balance.set(
          { kind: line.kind, account: line.account, currency: c.currency },
          metricValue(parseAmount(c.currency, line.balance, 'balance', 'any')),
        );

    this.variance.reset();
    const latest = new Map<string, Awaited<ReturnType<SettlementRunsService['list']>>['items'][number]>();
    for (const run of (await this.runs.list({ status: 'completed', limit: 200 })).items)
      if (run.seq === 0 && !latest.has(run.poolId)) latest.set(run.poolId, run);
    const fees = new Map((await this.capacity.poolFigures([...latest.keys()])).map((p) => [p.poolId, BigInt(p.feeBps)]));
    for (const [poolId, run] of latest) {
      const difficulty = await this.market.difficultyOn(run.day);
      if (!difficulty || run.deliveredGhs === null || run.earningsSats === null) continue;
      const perTh = this.market.expectedSatsPerThDay(difficulty.difficulty, difficulty.blockSubsidySats + difficulty.avgFeesPerBlockSats);
      const expected = (perTh * run.deliveredGhs * (10_000n - (fees.get(poolId) ?? 0n))) / (1000n * 10_000n);
      if (expected > 0n) this.variance.set({ pool_id: poolId }, metricValue(((run.earningsSats - expected) * 10_000n) / expected));
    }

    this.pending.reset();
    this.pendingSats.reset();
    const totals = new Map<string, { n: number; sats: bigint }>();
    for (const w of await this.operations.pendingWithdrawals()) {
      const t = totals.get(w.status) ?? { n: 0, sats: 0n };
      totals.set(w.status, { n: t.n + 1, sats: t.sats + BigInt(w.amountSats) });
    }
    for (const status of ['requested', 'approved', 'batched', 'broadcast']) {
      const t = totals.get(status) ?? { n: 0, sats: 0n };
      this.pending.set({ status }, t.n);
      this.pendingSats.set({ status }, metricValue(t.sats));
    }
  }
}
