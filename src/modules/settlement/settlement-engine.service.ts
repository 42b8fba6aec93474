import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../common/clock/clock.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { TransactionRunner } from '../../database/transaction.js';
import { SYSTEM_ACTOR } from '../audit/audit.service.js';
import { addDays } from '../../common/clock/utc-day.js';
import { ContractsSettlementService } from '../contracts/contracts-settlement.service.js';
import { customerAccount, platformAccount } from '../ledger/ledger.accounts.js';
import { LedgerService } from '../ledger/ledger.service.js';
import type { LedgerLine, PostEntryInput } from '../ledger/ledger.types.js';
import { SettlementInputsService } from './settlement-inputs.service.js';
import { ledgerKey, uuidRanges } from './settlement-ids.js';
import { SettlementMetrics } from './settlement.metrics.js';
import { SettlementRepository, partitionName, type RunRow } from './settlement.repository.js';
import { SettlementInvariantError } from './settlement.errors.js';

/**
 * Customers per ledger entry (the ledger takes up to 1000 lines an entry). postBulk checks each
 * entry's balance once per statement, so larger entries only save receivable lines; 100 keeps
 * an entry readable in a statement (docs/settlement.md).
 */
const CUSTOMERS_PER_ENTRY = 100;

export type PrepareOutcome = 'prepared' | 'not-pending' | 'blocked' | 'waiting';

/**
 * The work of a run, step by step; every step is a transaction that Postgres makes idempotent:
 * prepare (plan the split once, write the chunk rows), settle a chunk (one INSERT ... SELECT of
 * its contract-id range), finalize (post the ledger entries, collect arrears, complete), and the
 * day's summary. A replayed step finds its work done and does nothing.
 */
@Injectable()
export class SettlementEngine {
  private readonly logger = new Logger(SettlementEngine.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly repository: SettlementRepository,
    private readonly contracts: ContractsSettlementService,
    private readonly inputs: SettlementInputsService,
    private readonly ledger: LedgerService,
    private readonly metrics: SettlementMetrics,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Plans a pending run into day flow `generation`: delivery ratio, house weight, total weight,
   * leftover and threshold, the per-group weight table and the chunk rows. Runs of a pool settle
   * in day order (carried arrears and uptime depend on the previous day), so a run waits while an
   * earlier one of its pool is open.
   */
  async prepare(runId: string, generation: number): Promise<PrepareOutcome> {
    return this.tx.run(async (m) => {
      const run = await this.repository.lockRun(m, runId);
      if (!run || run.status !== 'pending') return 'not-pending';
      const earlier = await this.repository.hasEarlierOpenRun(m, run.poolId, run.day, run.seq);
      if (earlier) {
        await this.repository.setRunWaiting(m, run.id, 'pending', `waiting for ${earlier.day}${earlier.seq ? ` (adjustment ${earlier.seq})` : ''} of this pool to settle first`);
        return 'blocked';
      }
      const inputs = await this.inputs.inputsFor(run.poolId, run.day, m);
      if (inputs.missing) {
        await this.repository.setRunWaiting(m, run.id, 'waiting', inputs.missing);
        return 'waiting';
      }
      await this.repository.ensurePartition(m, run.day);
      await m.query(`SET LOCAL work_mem = '64MB'`);
      await m.query(`SET LOCAL jit = off`);

      const adjustment = run.seq > 0;
      let earnings = inputs.earningsSats;
      let fixed: { ratioPpm: number; houseWeight: string } | null = null;
      let deliveredGhs = inputs.deliveredGhs;
      let onlineGhs = inputs.onlineGhs;
      if (adjustment) {
        const day = await this.repository.findRunByKey(run.poolId, run.day, 0, m);
        if (!day || day.status !== 'completed') throw new SettlementInvariantError(`adjustment ${run.seq} of ${run.day} before the day itself settled`);
        const settled = (await this.repository.runsOfPoolDay(run.poolId, run.day, m))
          .filter((r) => r.status === 'completed')
          .reduce((sum, r) => sum + (r.earningsSats ?? 0n), 0n);
        earnings = inputs.earningsSats - settled;
        fixed = { ratioPpm: day.ratioPpm!, houseWeight: day.houseWeight! };
        deliveredGhs = day.deliveredGhs;
        onlineGhs = day.onlineGhs ?? 0n;
      }
      // A downward correction is not clawed back from customers: the house absorbs it (docs/settlement.md).
      const splitAmount = earnings > 0n ? earnings : 0n;
      const source = this.contracts.inForceSource(run.poolId, run.day);
      const plan = await this.repository.plan(m, source, {
        runId: run.id, day: run.day, earningsSats: splitAmount, deliveredGhs, onlineGhs, btcUsd: inputs.btcUsd, fixed,
      });
      let thresholdContractId: string | null = null;
      if (plan.thresholdKind === 1) {
        thresholdContractId = await this.repository.thresholdContract(m, source, run.day, plan.thresholdHashrates ?? [], plan.thresholdPos!, adjustment);
        if (!thresholdContractId) throw new SettlementInvariantError(`no contract at position ${plan.thresholdPos} of the threshold class`);
      }
      const houseExtra = plan.thresholdRem !== null && plan.houseRem !== '0' &&
        (BigInt(plan.houseRem) > BigInt(plan.thresholdRem) || (BigInt(plan.houseRem) === BigInt(plan.thresholdRem) && plan.thresholdKind === 0)) ? 1n : 0n;
      const housePlanned = earnings < 0n ? earnings : plan.totalWeight === '0' ? splitAmount : plan.houseBase + houseExtra;
      // An adjustment with nothing to split (a downward correction) writes no settlement rows.
      const writesRows = plan.contracts > 0n && !(adjustment && splitAmount === 0n);
      const chunkCount = writesRows ? Math.ceil(Number(plan.contracts) / this.config.SETTLEMENT_CHUNK_SIZE) : 0;
      const ranges = chunkCount === 0 ? [] : uuidRanges(chunkCount);
      await this.repository.insertChunks(m, run.id, ranges);
      await this.repository.markPrepared(m, run.id, {
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
        housePlannedSats: housePlanned,
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
      const run = await this.repository.findRun(runId, m);
      if (!run || run.status !== 'running') return { done: false, contracts: 0 };
      // A killed worker's statement holds this row lock until Postgres notices the client is gone.
      await m.query(`SET LOCAL client_connection_check_interval = '1s'`);
      await m.query(`SET LOCAL jit = off`);
      await m.query(`SET LOCAL enable_nestloop = off`);
      await m.query(`SET LOCAL work_mem = '64MB'`);
      const totals = await this.repository.settleChunk(m, this.contracts.inForceSource(run.poolId, run.day), {
        runId: run.id,
        poolId: run.poolId,
        day: run.day,
        seq: run.seq,
        partition: partitionName(run.day),
        idFrom: chunk.idFrom,
        idTo: chunk.idTo,
        ratioPpm: run.ratioPpm!,
        thresholdContractId: run.thresholdContractId,
        btcUsd: run.btcUsd!,
        adjustment: run.seq > 0,
      });
      await this.repository.markChunkDone(m, runId, chunkNo, totals);
      return { done: true, contracts: totals.contracts };
    });
  }

  /**
   * Completes a run once all its chunks are done: checks that every sat of the earnings is
   * allocated, posts the ledger entries (idempotency keys per pool, day, seq and part), collects
   * arrears from customers' USD balances, pushes extensions and pauses to the contracts, and
   * marks the run completed. Returns false when the run was already completed.
   */
  async finalize(runId: string): Promise<boolean> {
    const completed = await this.tx.run(async (m) => {
      const run = await this.repository.lockRun(m, runId);
      if (!run || run.status === 'completed') return false;
      if (run.status !== 'running') throw new SettlementInvariantError(`run ${runId} is ${run.status}, not running`);
      const totals = await this.repository.chunkTotals(m, run.id);
      if (totals.chunksDone !== totals.chunks) throw new Error(`run ${runId}: ${totals.chunks - totals.chunksDone} chunks not done yet`);
      const earnings = run.earningsSats ?? 0n;
      const house = earnings - totals.grossSats;
      if (house !== run.housePlannedSats) {
        throw new SettlementInvariantError(`run ${runId}: earnings ${earnings} - gross ${totals.grossSats} = ${house}, but the house share is ${run.housePlannedSats}`);
      }
      if (totals.contracts !== run.contractCount) {
        throw new SettlementInvariantError(`run ${runId}: ${totals.contracts} settlements written for ${run.contractCount} contracts`);
      }
      await this.postLedger(m, run, { ...totals, houseSats: house });
      await this.repository.markLedgerPosted(m, run.id, { ...totals, houseSats: house });
      const collectedUsd = await this.collectUsdArrears(m, run);
      const nextDay = addDays(run.day, 1);
      await this.contracts.applySettlementOutcomes(
        m,
        this.repository.outcomesSource(run.poolId, nextDay, this.contracts.inForceSource(run.poolId, run.day)),
        this.clock.now(),
      );
      const extended = await this.repository.countExtended(m, run.poolId, run.day);
      await this.repository.markCompleted(m, run.id, collectedUsd, extended);
      return true;
    });
    if (completed) {
      const run = await this.repository.findRun(runId);
      if (run) this.metrics.runCompleted(run);
    }
    return completed;
  }

  /** Recomputes the day's summary from its runs (the day flow's parent). */
  async summarizeDay(day: string): Promise<void> {
    await this.tx.run((m) => this.repository.refreshDay(m, day));
  }

  /** Marks a run failed with the reason (a domain error: finance fixes the input and triggers it again). */
  async fail(runId: string, error: string): Promise<void> {
    await this.tx.run((m) => this.repository.failRun(m, runId, error));
    this.metrics.runFailed();
    this.logger.error(`settlement run ${runId} failed: ${error}`);
  }

  /**
   * The run's ledger entries: the pool receivable is debited by the earnings; customers are
   * credited their net (aggregated per customer), electricity and management revenue their fees,
   * the house its share; arrears move on the customers' USD arrears accounts.
   */
  private async postLedger(m: EntityManager, run: RunRow, totals: { grossSats: bigint; houseSats: bigint; electricityFeeSats: bigint; arrearsCollectedSats: bigint; managementFeeSats: bigint; netSats: bigint }): Promise<void> {
    const earnings = run.earningsSats ?? 0n;
    const entries: Omit<PostEntryInput, 'actor'>[] = [];
    const reference = `settlement ${run.day}${run.seq ? ` adjustment ${run.seq}` : ''}`;
    const receivable = platformAccount('pool_receivable', 'BTC');
    const platformLines: LedgerLine[] = [
      { account: receivable, amount: -(earnings - totals.netSats) },
      { account: platformAccount('electricity_revenue', 'BTC'), amount: totals.electricityFeeSats + totals.arrearsCollectedSats },
      { account: platformAccount('management_revenue', 'BTC'), amount: totals.managementFeeSats },
      { account: platformAccount('house', 'BTC'), amount: totals.houseSats },
    ].filter((l) => l.amount !== 0n);
    if (platformLines.length > 0) entries.push({ type: 'settlement.pool_day', idempotencyKey: ledgerKey(run, 'platform'), reference, lines: platformLines });

    const customers = await this.repository.customerTotals(m, run.poolId, run.day, run.seq);
    const credits = customers.filter((c) => c.netSats !== 0n);
    for (let i = 0; i < credits.length; i += CUSTOMERS_PER_ENTRY) {
      const batch = credits.slice(i, i + CUSTOMERS_PER_ENTRY);
      const sum = batch.reduce((s, c) => s + c.netSats, 0n);
      entries.push({
        type: 'settlement.yield',
        idempotencyKey: ledgerKey(run, `customers-${i / CUSTOMERS_PER_ENTRY}`),
        reference,
        lines: [{ account: receivable, amount: -sum }, ...batch.map((c) => ({ account: customerAccount(c.customerId, 'BTC'), amount: c.netSats }))],
      });
    }
    const arrears = customers.filter((c) => c.arrearsDelta !== 0n);
    for (let i = 0; i < arrears.length; i += CUSTOMERS_PER_ENTRY) {
      const batch = arrears.slice(i, i + CUSTOMERS_PER_ENTRY);
      const sum = batch.reduce((s, c) => s + c.arrearsDelta, 0n);
      const lines: LedgerLine[] = batch.map((c) => ({ account: customerAccount(c.customerId, 'USD', 'arrears'), amount: -c.arrearsDelta }));
      if (sum !== 0n) lines.push({ account: platformAccount('electricity_revenue', 'USD'), amount: sum });
      if (lines.length >= 2) entries.push({ type: 'settlement.arrears', idempotencyKey: ledgerKey(run, `arrears-${i / CUSTOMERS_PER_ENTRY}`), reference, lines });
    }
    if (entries.length > 0) await this.ledger.postBulk({ actor: SYSTEM_ACTOR, entries }, m);
  }

  /**
   * Arrears of the pool's contracts paid from customers' available USD: every customer owing
   * in the pool at once (one lock statement, one bulk posting), then each customer's payment
   * spread over their contracts oldest arrears first, in one statement.
   */
  private async collectUsdArrears(m: EntityManager, run: RunRow): Promise<bigint> {
    const owing = await this.repository.customersInArrears(m, run.poolId);
    const results = await this.ledger.collectArrearsBulk(
      owing.map((o) => ({ customerId: o.customerId, maxMicroUsd: o.arrearsMicroUsd, idempotencyKey: ledgerKey(run, `collect-${o.customerId}`), reference: `settlement ${run.day}` })),
      SYSTEM_ACTOR,
      m,
    );
    const collections = owing.flatMap((o, i) => (results[i].collectedMicroUsd > 0n ? [{ customerId: o.customerId, amountMicroUsd: results[i].collectedMicroUsd }] : []));
    await this.repository.applyUsdCollections(m, run.poolId, collections, run.day);
    return collections.reduce((sum, c) => sum + c.amountMicroUsd, 0n);
  }

  /** The day's runs of one flow generation (for re-adding a flow after a lost Redis). */
  runsOfGeneration(day: string, generation: number): Promise<RunRow[]> {
    return this.repository.runsOfGeneration(day, generation, this.dataSource.manager);
  }
}
