import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../../common/clock/clock.js';
import { addDays } from '../../../common/clock/utc-day.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import type { AppConfig } from '../../../config/config.schema.js';
import { setLocal } from '../../../database/data-access.js';
import { TransactionRunner } from '../../../database/transaction.js';
import { SYSTEM_ACTOR } from '../../audit/audit.service.js';
import { ContractsSettlementService } from '../../contracts/contracts-settlement.service.js';
import { LedgerService, MAX_BULK_ENTRIES } from '../../ledger/ledger.service.js';
import type { SettlementRun } from '../entities/settlement-run.entity.js';
import { SettlementInputsService } from '../inputs/settlement-inputs.service.js';
import { SettlementRunsRepository, partitionName } from '../runs/settlement-runs.repository.js';
import { ledgerKey, uuidRanges } from '../settlement-ids.js';
import { SettlementMetrics } from '../settlement.metrics.js';
import type { RunTotals } from '../settlement.types.js';
import { SettlementInvariantError } from '../settlement.errors.js';
import { SettlementEngineRepository } from './settlement-engine.repository.js';
import { customerEntries, platformEntry } from './settlement-entries.js';
import { SettlementStatesRepository } from './settlement-states.repository.js';

export type PrepareOutcome = 'prepared' | 'not-pending' | 'blocked' | 'waiting';

/**
 * The work of a run, step by step; every step is a transaction that Postgres makes idempotent:
 * prepare (plan the split once, write the chunk rows), settle a chunk (one INSERT ... SELECT of
 * its customer-id range), finalize (post the ledger entries, collect arrears, complete), and the
 * day's summary. A replayed step finds its work done and does nothing.
 */
@Injectable()
export class SettlementEngine {
  private readonly logger = new Logger(SettlementEngine.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly runs: SettlementRunsRepository,
    private readonly repository: SettlementEngineRepository,
    private readonly states: SettlementStatesRepository,
    private readonly contracts: ContractsSettlementService,
    private readonly inputs: SettlementInputsService,
    private readonly ledger: LedgerService,
    private readonly metrics: SettlementMetrics,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Plans a pending run into day flow `generation`: delivery ratio, house weight, total weight,
   * leftover and threshold, the per-group weight table and the chunk rows, replacing whatever an
   * earlier attempt planned. Runs of a pool settle in day order (carried arrears and uptime
   * depend on the previous day), so a run waits while an earlier one of its pool is open or
   * another is running. The set it plans cannot change while it runs: which contracts are in
   * force on a past day is fixed (see ContractsSettlementService.inForceSource), and the carried
   * state it reads changes only when a run of its pool completes.
   */
  async prepare(runId: string, generation: number): Promise<PrepareOutcome> {
    return this.tx.run(async (m) => {
      const run = await this.runs.lockRun(m, runId);
      if (!run || run.status !== 'pending') return 'not-pending';
      const earlier = await this.runs.runToWaitFor(m, run.poolId, run.day, run.seq);
      if (earlier) {
        await this.runs.setRunWaiting(
          m,
          run.id,
          'pending',
          `waiting for ${earlier.day}${earlier.seq ? ` (adjustment ${earlier.seq})` : ''} of this pool to settle first`,
        );
        return 'blocked';
      }
      await this.repository.clearPlan(m, run.id);
      const inputs = await this.inputs.inputsFor(run.poolId, run.day, m);
      if (inputs.missing) {
        await this.runs.setRunWaiting(m, run.id, 'waiting', inputs.missing);
        return 'waiting';
      }
      await this.runs.ensurePartition(m, run.day);
      await setLocal(m, { work_mem: '64MB', jit: 'off' });

      const adjustment = run.seq > 0;
      let earnings = inputs.earningsSats;
      let fixed: { ratioPpm: number; houseWeight: string; dayAttempt: number } | null = null;
      let deliveredGhs = inputs.deliveredGhs;
      let onlineGhs = inputs.onlineGhs;
      if (adjustment) {
        const day = await this.runs.findRunByKey(run.poolId, run.day, 0, m);
        if (!day || day.status !== 'completed') throw new SettlementInvariantError(`adjustment ${run.seq} of ${run.day} before the day itself settled`);
        const settled = (await this.runs.runsOfPoolDay(run.poolId, run.day, m))
          .filter((r) => r.status === 'completed')
          .reduce((sum, r) => sum + (r.earningsSats ?? 0n), 0n);
        earnings = inputs.earningsSats - settled;
        fixed = { ratioPpm: day.ratioPpm!, houseWeight: day.houseWeight!, dayAttempt: day.attempt };
        deliveredGhs = day.deliveredGhs;
        onlineGhs = day.onlineGhs ?? 0n;
      }
      // A downward correction is not clawed back from customers: the house absorbs it (docs/settlement.md).
      const splitAmount = earnings > 0n ? earnings : 0n;
      const source = this.contracts.inForceSource(run.poolId, run.day);
      const plan = await this.repository.plan(m, source, {
        runId: run.id,
        day: run.day,
        earningsSats: splitAmount,
        deliveredGhs,
        onlineGhs,
        btcUsd: inputs.btcUsd,
        fixed,
      });
      let thresholdContractId: string | null = null;
      if (plan.thresholdKind === 1) {
        thresholdContractId = await this.repository.thresholdContract(
          m,
          source,
          run.day,
          plan.thresholdHashrates ?? [],
          plan.thresholdPos!,
          fixed?.dayAttempt ?? null,
        );
        if (!thresholdContractId) throw new SettlementInvariantError(`no contract at position ${plan.thresholdPos} of the threshold class`);
      }
      // An adjustment with nothing to split (a downward correction) writes no settlement rows.
      const writesRows = plan.contracts > 0n && !(adjustment && splitAmount === 0n);
      const chunkCount = writesRows ? Math.ceil(Number(plan.contracts) / this.config.SETTLEMENT_CHUNK_SIZE) : 0;
      const ranges = chunkCount === 0 ? [] : uuidRanges(chunkCount);
      await this.repository.insertChunks(m, run.id, ranges);
      await this.runs.markPrepared(m, run.id, {
        generation,
        earningsSats: earnings,
        earningsRevision: inputs.earningsRevision,
        btcUsd: inputs.btcUsd,
        soldGhs: plan.sold,
        onlineGhs,
        deliveredGhs,
        ratioPpm: plan.ratioPpm,
        houseWeight: plan.houseWeight,
        totalWeight: plan.totalWeight,
        leftoverSats: plan.leftover,
        thresholdRem: plan.thresholdRem,
        thresholdKind: plan.thresholdKind,
        thresholdContractId,
        // The plan's house share; a downward correction is the house's alone.
        housePlannedSats: earnings < 0n ? earnings : plan.housePlannedSats,
        contractCount: writesRows ? Number(plan.contracts) : 0,
        chunkCount: ranges.length,
      });
      return 'prepared';
    });
  }

  /** Settles one chunk; a chunk already done (or being done by another worker) is a no-op. */
  async settleChunk(runId: string, chunkNo: number): Promise<{ done: boolean; contracts: number }> {
    return this.tx.run(async (m) => {
      const chunk = await this.repository.lockChunk(m, runId, chunkNo);
      if (!chunk) throw new SettlementInvariantError(`run ${runId} has no chunk ${chunkNo}`);
      if (chunk.status === 'done') return { done: false, contracts: 0 };
      const run = await this.runs.findRun(runId, m);
      if (!run || run.status !== 'running') return { done: false, contracts: 0 };
      const dayAttempt = run.seq > 0 ? (await this.runs.findRunByKey(run.poolId, run.day, 0, m))!.attempt : null;
      // A killed worker's statement holds this row lock until Postgres notices the client is gone.
      await setLocal(m, { client_connection_check_interval: '1s', jit: 'off', enable_nestloop: 'off', work_mem: '64MB' });
      const totals = await this.repository.settleChunk(m, this.contracts.inForceSource(run.poolId, run.day), {
        runId: run.id,
        poolId: run.poolId,
        day: run.day,
        seq: run.seq,
        attempt: run.attempt,
        partition: partitionName(run.day),
        chunkNo,
        idFrom: chunk.idFrom,
        idTo: chunk.idTo,
        ratioPpm: run.ratioPpm!,
        thresholdContractId: run.thresholdContractId,
        btcUsd: run.btcUsd!,
        dayAttempt,
      });
      await this.repository.markChunkDone(m, runId, chunkNo, totals);
      return { done: true, contracts: totals.contracts };
    });
  }

  /**
   * Completes a run once all its chunks are done: checks that every sat of the earnings is
   * allocated and marks the attempt's numbers final (credits started), credits the customers
   * (one transaction per customer range, side by side; see creditCustomers), then in one
   * transaction posts the platform entry, applies the carried state the chunks staged, collects
   * arrears from customers' USD balances, pushes extensions and pauses to the contracts and
   * marks the run completed. Every entry has an idempotency key per pool, day, seq and part, so
   * a finalize that stopped halfway posts the rest and replays what it posted. Returns false
   * when the run was already completed.
   */
  async finalize(runId: string): Promise<boolean> {
    const checked = await this.tx.run(async (m) => {
      const run = await this.runs.lockRun(m, runId);
      if (!run || run.status === 'completed') return null;
      await this.verifiedTotals(m, run);
      await this.runs.markCreditsStarted(m, run.id);
      return run;
    });
    if (!checked) return false;
    await this.creditCustomers(checked);
    const completed = await this.tx.run(async (m) => {
      const run = await this.runs.lockRun(m, runId);
      if (!run || run.status === 'completed') return false;
      const totals = await this.verifiedTotals(m, run);
      const entry = platformEntry(run, run.earningsSats ?? 0n, totals);
      if (entry) await this.ledger.postBulk({ actor: SYSTEM_ACTOR, entries: [entry] }, m);
      await this.runs.markLedgerPosted(m, run.id, totals);
      await this.states.applyRunStates(m, run, this.contracts.inForceSource(run.poolId, run.day));
      const collectedUsd = await this.collectUsdArrears(m, run);
      await this.contracts.applySettlementOutcomes(m, this.states.outcomesSource(run.poolId, addDays(run.day, 1)), run.day, this.clock.now());
      const extended = await this.states.countExtended(m, run.poolId, run.day);
      await this.runs.markCompleted(m, run.id, collectedUsd, extended);
      return true;
    });
    if (completed) {
      const run = await this.runs.findRun(runId);
      if (run) this.metrics.runCompleted(run);
    }
    return completed;
  }

  /** Recomputes the day's summary from its runs (the day flow's parent). */
  async summarizeDay(day: string): Promise<void> {
    await this.tx.run((m) => this.runs.refreshDay(m, day));
  }

  /** Marks a run failed with the reason (a domain error: finance fixes the input and triggers it again). */
  async fail(runId: string, error: string): Promise<void> {
    await this.tx.run((m) => this.runs.failRun(m, runId, error));
    this.metrics.runFailed();
    this.logger.error(`settlement run ${runId} failed: ${error}`);
  }

  /**
   * The run's totals from its chunks, checked: every chunk done, every contract settled once,
   * and earnings - gross = the house share planned at prepare.
   */
  private async verifiedTotals(m: EntityManager, run: SettlementRun): Promise<RunTotals> {
    if (run.status !== 'running') throw new SettlementInvariantError(`run ${run.id} is ${run.status}, not running`);
    const totals = await this.repository.chunkTotals(m, run.id);
    if (totals.chunksDone !== totals.chunks) throw new Error(`run ${run.id}: ${totals.chunks - totals.chunksDone} chunks not done yet`);
    const earnings = run.earningsSats ?? 0n;
    const house = earnings - totals.grossSats;
    if (house !== run.housePlannedSats) {
      throw new SettlementInvariantError(
        `run ${run.id}: earnings ${earnings} - gross ${totals.grossSats} = ${house}, but the house share is ${run.housePlannedSats}`,
      );
    }
    if (totals.contracts !== run.contractCount) {
      throw new SettlementInvariantError(`run ${run.id}: ${totals.contracts} settlements written for ${run.contractCount} contracts`);
    }
    return { ...totals, houseSats: house };
  }

  /**
   * Credits the customers their net and moves their USD arrears, chunk by chunk: a chunk is a
   * customer-id range and kept what each of its customers is owed, so each range is posted in
   * its own transaction from its chunk row, SETTLEMENT_CONCURRENCY at a time, as the chunks were
   * settled. The ranges were planned once at prepare, so a retry posts the same entries under
   * the same keys. Each entry balances on its own (the pool receivable pays the customers' net),
   * so the books balance after every range's commit.
   */
  private async creditCustomers(run: SettlementRun): Promise<void> {
    const chunks = await this.runs.chunksOf(run.id);
    let next = 0;
    const postNext = async (): Promise<void> => {
      for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) {
        const prefix = chunks.length > 1 ? `${chunk.chunkNo}-` : '';
        await this.tx.run(async (m) => {
          const entries = customerEntries(run, await this.repository.chunkCustomerTotals(m, run.id, chunk.chunkNo), prefix);
          for (let i = 0; i < entries.length; i += MAX_BULK_ENTRIES) {
            await this.ledger.postBulk({ actor: SYSTEM_ACTOR, entries: entries.slice(i, i + MAX_BULK_ENTRIES) }, m);
          }
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.SETTLEMENT_CONCURRENCY, chunks.length) }, postNext));
  }

  /**
   * Arrears of the pool's contracts paid from customers' available USD: every customer owing
   * in the pool at once (one lock statement, one bulk posting), then each customer's payment
   * spread over their contracts oldest arrears first, in one statement.
   */
  private async collectUsdArrears(m: EntityManager, run: SettlementRun): Promise<bigint> {
    const owing = await this.states.customersInArrears(m, run.poolId);
    const results = await this.ledger.collectArrearsBulk(
      owing.map((o) => ({
        customerId: o.customerId,
        maxMicroUsd: o.arrearsMicroUsd,
        idempotencyKey: ledgerKey(run, `collect-${o.customerId}`),
        reference: `settlement ${run.day}`,
      })),
      SYSTEM_ACTOR,
      m,
    );
    const collections = owing.flatMap((o, i) =>
      results[i].collectedMicroUsd > 0n ? [{ customerId: o.customerId, amountMicroUsd: results[i].collectedMicroUsd }] : [],
    );
    await this.states.applyUsdCollections(m, run.poolId, collections, run.day);
    return collections.reduce((sum, c) => sum + c.amountMicroUsd, 0n);
  }
}
