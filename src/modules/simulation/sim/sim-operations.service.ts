import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import { DomainError } from '../../../common/errors/domain-error.js';
import { JOBS, QUEUES } from '../../../common/queue/queue-names.js';
import { CapacityService } from '../../capacity/capacity.service.js';
import { FleetsService } from '../../capacity/fleets.service.js';
import { HashrateReportsService } from '../../capacity/hashrate-reports.service.js';
import { formatThs } from '../../../common/money/units.js';
import { MarketService } from '../../market/market.service.js';
import { PayoutBatchService } from '../../payouts/payout-batch.service.js';
import { WithdrawalReviewService } from '../../payouts/withdrawal-review.service.js';
import { SettlementInputsService, SettlementRunsService } from '../../settlement/settlement.public.js';
import { waitUntil } from './concurrency.js';
import { poolDayEarnings } from './earnings-model.js';
import { toPpm } from './random.js';
import type { SimContext } from './sim-context.js';

const compact = (day: string) => day.replaceAll('-', '');
const txidOf = (text: string) => createHash('sha256').update(text).digest('hex');
const FINANCE_IP = '10.255.0.2';

/**
 * What staff and the pools do in a simulation, through the real services and queues: operators
 * report fleets and delivered hash rate, finance records pool earnings and payouts and triggers
 * settlement (which runs in the BullMQ worker; Postgres says when it is done), the contracts and
 * payouts queues run their daily jobs, finance approves and batches the withdrawals.
 */
@Injectable()
export class SimOperationsService {
  constructor(
    private readonly fleets: FleetsService,
    private readonly capacity: CapacityService,
    private readonly hashrateReports: HashrateReportsService,
    private readonly market: MarketService,
    private readonly inputs: SettlementInputsService,
    private readonly runs: SettlementRunsService,
    private readonly withdrawals: WithdrawalReviewService,
    private readonly batches: PayoutBatchService,
    @InjectQueue(QUEUES.contracts) private readonly contractsQueue: Queue,
    @InjectQueue(QUEUES.payouts) private readonly payoutsQueue: Queue,
  ) {}

  /** A fleet goes offline or comes back (status history with the simulated time). */
  async setFleetStatus(ctx: SimContext, fleetId: string, status: 'online' | 'offline', reason: string): Promise<void> {
    await this.fleets.setStatus(ctx.operator(`fleet-${status}`), fleetId, { status, reason });
  }

  /** The contracts queue's daily lifecycle job for the clock's day, through the worker. */
  async runLifecycle(day: string): Promise<void> {
    await this.runJob(this.contractsQueue, JOBS.contracts.advanceLifecycle, {}, `sim-lifecycle-${compact(day)}`);
  }

  /**
   * Operators report each pool's delivered hash rate for the day (online capacity averaged over
   * the day, times the fleets' uptime that day); finance records each pool's earnings derived from
   * the day's real difficulty; settlement of the day is triggered and awaited.
   */
  async settleDay(ctx: SimContext, day: string): Promise<{ expectedSats: bigint; earningsSats: bigint; byPool: Map<string, bigint> }> {
    const difficulty = await this.market.difficultyOn(day);
    if (!difficulty) throw new Error(`no difficulty recorded for ${day}`);
    const earnings = [];
    let expected = 0n;
    for (const pool of ctx.world.pools) {
      const online = await this.capacity.onlineGhsOn(pool.id, day);
      const installed = ctx.world.fleets.filter((f) => f.poolId === pool.id).reduce((s, f) => s + f.ghs, 0n);
      const uptimePpm = toPpm(0.985 + 0.01 * ctx.rng.pools.normal(), 950_000, 1_000_000);
      const delivered = (online * uptimePpm) / 1_000_000n;
      const uptimeBps = installed === 0n ? 0 : Number((delivered * 10_000n) / installed);
      await this.hashrateReports.record(ctx.operator(`hashrate-${day}`), {
        poolId: pool.id,
        day,
        deliveredThs: formatThs(delivered),
        uptimeBps: Math.min(10_000, uptimeBps),
      });
      const result = poolDayEarnings(
        {
          deliveredGhs: delivered,
          difficulty: difficulty.difficulty,
          blockSubsidySats: difficulty.blockSubsidySats,
          avgFeesPerBlockSats: difficulty.avgFeesPerBlockSats,
          feeBps: pool.feeBps,
          scheme: pool.payoutScheme,
        },
        ctx.rng.pools,
      );
      expected += result.expectedSats;
      earnings.push({ poolId: pool.id, day, amountSats: result.earningsSats, reference: `${pool.key}-${compact(day)}` });
    }
    await this.inputs.recordEarnings(ctx.finance(`earnings-${day}`), earnings);
    const earned = earnings.reduce((s, e) => s + e.amountSats, 0n);
    ctx.stats.earningsRecordedSats += earned;
    ctx.stats.expectedBySim += expected;

    const started = performance.now();
    const finance = ctx.finance(`settle-${day}`);
    await this.runs.trigger(day, day, finance.user, finance.requestId, true);
    const runs = await waitUntil(
      `settlement of ${day}`,
      async () => {
        const page = await this.runs.list({ from: day, to: day, limit: 100 });
        const failed = page.items.find((r) => r.status === 'failed');
        if (failed) throw new Error(`settlement run ${failed.id} (pool ${failed.poolId}, ${day}) failed: ${failed.error}`);
        return page.items.length >= ctx.world.pools.length && page.items.every((r) => r.status === 'completed') ? page.items : null;
      },
      15 * 60_000,
    );
    ctx.stats.settlementRuns += runs.length;
    ctx.stats.settlementMs += performance.now() - started;
    return { expectedSats: expected, earningsSats: earned, byPool: new Map(earnings.map((e) => [e.poolId, e.amountSats])) };
  }

  /**
   * Pools pay the platform on chain: FPPS and PPS+ pools every day for what they owe up to the
   * day before, the PPLNS pool weekly (Mondays). Recorded by finance (clears the receivable).
   */
  async receivePoolPayouts(ctx: SimContext, day: string, owed: Map<string, bigint>): Promise<void> {
    const monday = new Date(`${day}T00:00:00Z`).getUTCDay() === 1;
    const payouts = [];
    for (const pool of ctx.world.pools) {
      const amount = owed.get(pool.id) ?? 0n;
      if (amount <= 0n || (pool.payoutScheme === 'PPLNS' && !monday)) continue;
      payouts.push({ poolId: pool.id, txid: txidOf(`pool-payout-${pool.id}-${day}`), vout: 0, amountSats: amount, receivedAt: ctx.clock.now() });
      owed.set(pool.id, 0n);
    }
    if (payouts.length === 0) return;
    await this.inputs.recordPayouts(ctx.finance(`pool-payouts-${day}`), payouts);
    ctx.stats.poolPayouts += payouts.length;
  }

  /** The payouts queue's automatic-payout job for the day, through the worker. */
  async runAutoPayouts(day: string): Promise<void> {
    await this.runJob(this.payoutsQueue, JOBS.payouts.runAutoPayouts, { day }, `sim-auto-payouts-${compact(day)}`);
  }

  /** Finance approves the requested withdrawals (those still under an account lock wait), returns how many. */
  async approveWithdrawals(ctx: SimContext): Promise<number> {
    let approved = 0;
    let cursor: string | undefined;
    const ids: string[] = [];
    do {
      const page = await this.withdrawals.list({ status: 'requested', cursor, limit: 200 });
      ids.push(...page.items.map((w) => w.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    for (const id of ids) {
      try {
        await this.withdrawals.approve(ctx.staff.finance, id, { ip: FINANCE_IP, requestId: `sim-approve-${id}` });
        approved++;
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'PAYOUTS.ACCOUNT_TIME_LOCKED') throw error;
      }
    }
    ctx.stats.withdrawals += approved;
    return approved;
  }

  /** Batches every approved withdrawal, records the wallet's broadcast and the confirmation. Returns the sats paid out. */
  async payOut(ctx: SimContext, day: string): Promise<bigint> {
    let paid = 0n;
    for (let n = 1; ; n++) {
      let created;
      try {
        created = await this.batches.create(ctx.staff.finance, {}, { ip: FINANCE_IP, requestId: `sim-batch-${day}-${n}` });
      } catch (error) {
        if (error instanceof DomainError && error.code === 'PAYOUTS.NOTHING_TO_BATCH') break;
        throw error;
      }
      const id = created.batch.id;
      await this.batches.broadcast(ctx.staff.finance, id, txidOf(`withdrawal-batch-${id}`), { ip: FINANCE_IP, requestId: `sim-broadcast-${id}` });
      ctx.clock.advanceMs(60 * 60_000);
      await this.batches.confirm(ctx.staff.finance, id, { ip: FINANCE_IP, requestId: `sim-confirm-${id}` });
      // What left the customers' balances (the addresses receive it minus the withheld network fee).
      paid += created.items.reduce((sum, item) => sum + item.amountSats, 0n);
    }
    return paid;
  }

  private async runJob(queue: Queue, name: string, data: object, jobId: string): Promise<unknown> {
    const job: Job = await queue.add(name, data, { jobId, attempts: 1 });
    return waitUntil(
      `${name} job`,
      async () => {
        const state = await job.getState();
        if (state === 'failed') {
          const failed = await queue.getJob(job.id!);
          throw new Error(`${name} job failed: ${failed?.failedReason ?? 'unknown reason'}`);
        }
        if (state !== 'completed') return null;
        return ((await queue.getJob(job.id!))?.returnvalue as unknown) ?? true;
      },
      5 * 60_000,
    );
  }
}
