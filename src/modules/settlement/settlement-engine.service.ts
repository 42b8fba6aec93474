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
import { LedgerService, MAX_BULK_ENTRIES } from '../ledger/ledger.service.js';
import type { LedgerLine, PostEntryInput } from '../ledger/ledger.types.js';
import { SettlementInputsService } from './settlement-inputs.service.js';
import { ledgerKey, uuidRanges } from './settlement-ids.js';
import { SettlementMetrics } from './settlement.metrics.js';
import { SettlementRepository, partitionName, type CustomerTotal, type RunRow, type RunTotals } from './settlement.repository.js';
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
 * its customer-id range), finalize (post the ledger entries, collect arrears, complete), and the
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
   * leftover and threshold, the per-group weight table and the chunk rows, replacing whatever an
   * earlier attempt planned. Runs of a pool settle in day order (carried arrears and uptime
   * depend on the previous day), so a run waits while an earlier one of its pool is open or
   * another is running. The set it plans cannot change while it runs: which contracts are in
   * force on a past day is fixed (see ContractsSettlementService.inForceSource), and the carried
   * state it reads changes only when a run of its pool completes.
   */
  async prepare(runId: string, generation: number): Promise<PrepareOutcome> {
    return this.tx.run(async (m) => {
      const run = await this.repository.lockRun(m, runId);
      if (!run || run.status !== 'pending') return 'not-pending';
      const earlier = await this.repository.runToWaitFor(m, run.poolId, run.day, run.seq);
      if (earlier) {
        await this.repository.setRunWaiting(m, run.id, 'pending', `waiting for ${earlier.day}${earlier.seq ? ` (adjustment ${earlier.seq})` : ''} of this pool to settle first`);
        return 'blocked';
      }
      await this.repository.clearPlan(m, run.id);
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
      let fixed: { ratioPpm: number; houseWeight: string; dayAttempt: number } | null = null;
      let deliveredGhs = inputs.deliveredGhs;
      let onlineGhs = inputs.onlineGhs;
      if (adjustment) {
        const day = await this.repository.findRunByKey(run.poolId, run.day, 0, m);
        if (!day || day.status !== 'completed') throw new SettlementInvariantError(`adjustment ${run.seq} of ${run.day} before the day itself settled`);
        const settled = (await this.repository.runsOfPoolDay(run.poolId, run.day, m))
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
        runId: run.id, day: run.day, earningsSats: splitAmount, deliveredGhs, onlineGhs, btcUsd: inputs.btcUsd, fixed,
      });
      let thresholdContractId: string | null = null;
      if (plan.thresholdKind === 1) {
        thresholdContractId = await this.repository.thresholdContract(m, source, run.day, plan.thresholdHashrates ?? [], plan.thresholdPos!, fixed?.dayAttempt ?? null);
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
      const dayAttempt = run.seq > 0 ? (await this.repository.findRunByKey(run.poolId, run.day, 0, m))!.attempt : null;
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
      const run = await this.repository.lockRun(m, runId);
      if (!run || run.status === 'completed') return null;
      await this.verifiedTotals(m, run);
      await this.repository.markCreditsStarted(m, run.id);
      return run;
    });
    if (!checked) return false;
    await this.creditCustomers(checked);
    const completed = await this.tx.run(async (m) => {
      const run = await this.repository.lockRun(m, runId);
      if (!run || run.status === 'completed') return false;
      const totals = await this.verifiedTotals(m, run);
      await this.postPlatformEntry(m, run, totals);
      await this.repository.markLedgerPosted(m, run.id, totals);
      await this.repository.applyRunStates(m, run);
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
   * The run's totals from its chunks, checked: every chunk done, every contract settled once,
   * and earnings - gross = the house share planned at prepare.
   */
  private async verifiedTotals(m: EntityManager, run: RunRow): Promise<RunTotals> {
    if (run.status !== 'running') throw new SettlementInvariantError(`run ${run.id} is ${run.status}, not running`);
    const totals = await this.repository.chunkTotals(m, run.id);
    if (totals.chunksDone !== totals.chunks) throw new Error(`run ${run.id}: ${totals.chunks - totals.chunksDone} chunks not done yet`);
    const earnings = run.earningsSats ?? 0n;
    const house = earnings - totals.grossSats;
    if (house !== run.housePlannedSats) {
      throw new SettlementInvariantError(`run ${run.id}: earnings ${earnings} - gross ${totals.grossSats} = ${house}, but the house share is ${run.housePlannedSats}`);
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
   * so the books balance after every range's commit. Chunks settled before chunks kept their
   * customers' totals are summed from the day's rows, as one range.
   */
  private async creditCustomers(run: RunRow): Promise<void> {
    const chunks = await this.repository.chunksOf(run.id);
    const parts: { prefix: string; totals: (m: EntityManager) => Promise<CustomerTotal[]> }[] = chunks.every((c) => c.keptCustomers)
      ? chunks.map((c) => ({
          prefix: chunks.length > 1 ? `${c.chunkNo}-` : '',
          totals: (m: EntityManager) => this.repository.chunkCustomerTotals(m, run.id, c.chunkNo),
        }))
      : [
          {
            prefix: '',
            totals: async (m: EntityManager) => {
              // A pool's day is summed and sorted in memory instead of on disk.
              await m.query(`SET LOCAL work_mem = '64MB'`);
              return this.repository.customerTotals(m, run.poolId, run.day, run.seq, run.attempt);
            },
          },
        ];
    let next = 0;
    const postNext = async (): Promise<void> => {
      for (let part = parts[next++]; part; part = parts[next++]) {
        await this.tx.run(async (m) => {
          const entries = customerEntries(run, await part.totals(m), part.prefix);
          for (let i = 0; i < entries.length; i += MAX_BULK_ENTRIES) {
            await this.ledger.postBulk({ actor: SYSTEM_ACTOR, entries: entries.slice(i, i + MAX_BULK_ENTRIES) }, m);
          }
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.SETTLEMENT_CONCURRENCY, parts.length) }, postNext));
  }

  /**
   * The run's platform entry: the pool receivable is debited by the earnings less what the
   * customers were credited; electricity and management revenue get their fees, the house
   * its share.
   */
  private async postPlatformEntry(m: EntityManager, run: RunRow, totals: RunTotals): Promise<void> {
    const earnings = run.earningsSats ?? 0n;
    const lines: LedgerLine[] = [
      { account: platformAccount('pool_receivable', 'BTC'), amount: -(earnings - totals.netSats) },
      { account: platformAccount('electricity_revenue', 'BTC'), amount: totals.electricityFeeSats + totals.arrearsCollectedSats },
      { account: platformAccount('management_revenue', 'BTC'), amount: totals.managementFeeSats },
      { account: platformAccount('house', 'BTC'), amount: totals.houseSats },
    ].filter((l) => l.amount !== 0n);
    if (lines.length === 0) return;
    await this.ledger.postBulk(
      { actor: SYSTEM_ACTOR, entries: [{ type: 'settlement.pool_day', idempotencyKey: ledgerKey(run, 'platform'), reference: settlementReference(run), lines }] },
      m,
    );
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

function settlementReference(run: RunRow): string {
  return `settlement ${run.day}${run.seq ? ` adjustment ${run.seq}` : ''}`;
}

/**
 * One range's customer entries: net credits (CUSTOMERS_PER_ENTRY customers an entry, the pool
 * receivable paying their sum) and arrears moves (customers' USD arrears accounts against USD
 * electricity revenue). Keys carry the range's number (`prefix`) and the batch's position.
 */
function customerEntries(run: RunRow, customers: readonly CustomerTotal[], prefix: string): Omit<PostEntryInput, 'actor'>[] {
  const entries: Omit<PostEntryInput, 'actor'>[] = [];
  const reference = settlementReference(run);
  const receivable = platformAccount('pool_receivable', 'BTC');
  const credits = customers.filter((c) => c.netSats !== 0n);
  for (let i = 0; i < credits.length; i += CUSTOMERS_PER_ENTRY) {
    const batch = credits.slice(i, i + CUSTOMERS_PER_ENTRY);
    const sum = batch.reduce((s, c) => s + c.netSats, 0n);
    entries.push({
      type: 'settlement.yield',
      idempotencyKey: ledgerKey(run, `customers-${prefix}${i / CUSTOMERS_PER_ENTRY}`),
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
    if (lines.length >= 2) entries.push({ type: 'settlement.arrears', idempotencyKey: ledgerKey(run, `arrears-${prefix}${i / CUSTOMERS_PER_ENTRY}`), reference, lines });
  }
  return entries;
}
