import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock/clock.js';
import type { Currency } from '../../common/money/units.js';
import { TransactionRunner } from '../../database/transaction.js';
import { BUCKETS_BY_CURRENCY, CURRENCIES_WITH_BUCKETS, customerAccount, platformAccount, type PlatformAccount } from './ledger.accounts.js';
import { InvalidEntryError } from './ledger.errors.js';
import { LedgerEntryBuilder, oneShardPerPlatformAccount, sqlActor } from './ledger-entry.builder.js';
import { LedgerGroupCommit } from './ledger-group-commit.js';
import { runLedgerStatement, translateLedgerError } from './ledger-errors.translate.js';
import { LedgerRepository, type EntryWithLines } from './ledger.repository.js';
import type {
  CollectArrearsInput,
  CollectArrearsResult,
  CustomerBalances,
  CustomerMoveInput,
  PostBulkInput,
  PostedEntry,
  PostEntryInput,
  RecordArrearsInput,
  SettleReservedInput,
  TransferInput,
} from './ledger.types.js';

export const MAX_BULK_ENTRIES = 20_000;

/**
 * The only writer of money. Every method takes an optional EntityManager: given one, the
 * work joins the caller's transaction (and a failure aborts it); without one, it runs on its
 * own and retries serialization failures and deadlocks.
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly repository: LedgerRepository,
    private readonly builder: LedgerEntryBuilder,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    private readonly groupCommit: LedgerGroupCommit,
  ) {}

  /**
   * Posts one journal entry in one round trip (outside a caller's transaction possibly grouped
   * with concurrent ones into one commit: LedgerGroupCommit). Same idempotency key and content: returns the
   * first entry with replayed = true and moves nothing. Same key, other content: 409
   * LEDGER.IDEMPOTENCY_CONFLICT. A customer bucket that would go below zero: 402
   * LEDGER.INSUFFICIENT_BALANCE. Customer accounts are opened on first use.
   */
  async post(input: PostEntryInput, manager?: EntityManager): Promise<PostedEntry> {
    const entry = await this.builder.build(input, manager);
    const actor = sqlActor(input.actor);
    // Inside a caller's transaction the entry is one statement of it; on its own it may share a
    // commit with entries posted at the same moment (LedgerGroupCommit).
    const { accountIds, ...posted } = manager
      ? await runLedgerStatement(() => this.repository.postEntry(actor, entry, this.clock.now(), manager), true)
      : await this.groupCommit.post(actor, entry);
    // Without a caller's transaction the statement has committed: its account ids are for good.
    if (!manager) this.builder.rememberAccounts(entry, accountIds ?? null);
    return posted;
  }

  /**
   * Posts many entries set-based (a handful of statements whatever their number), for
   * settlement. Each entry is balanced and idempotent exactly as with post(); one failure
   * (insufficient balance, a conflicting key) fails the whole call and writes nothing of it.
   * Results come back in input order. Keep calls to at most MAX_BULK_ENTRIES entries.
   */
  async postBulk(input: PostBulkInput, manager?: EntityManager): Promise<PostedEntry[]> {
    if (input.entries.length === 0) return [];
    if (input.entries.length > MAX_BULK_ENTRIES) throw new InvalidEntryError(`postBulk takes at most ${MAX_BULK_ENTRIES} entries per call`);
    const keys = new Set(input.entries.map((e) => e.idempotencyKey));
    if (keys.size !== input.entries.length) throw new InvalidEntryError('postBulk: idempotency keys must be unique within a call');
    const entries = await Promise.all(input.entries.map((entry) => this.builder.build(entry, manager)));
    oneShardPerPlatformAccount(entries);
    const actor = sqlActor(input.actor);
    const postedAt = this.clock.now();
    const rows = await runLedgerStatement(() => this.repository.postEntries(actor, entries, postedAt, manager), manager !== undefined);
    if (!manager) rows.forEach((row, i) => this.builder.rememberAccounts(entries[i], row.accountIds ?? null));
    const replayedAt = await this.repository.findPostedAt(
      rows.filter((r) => r.replayed).map((r) => r.entryId),
      manager,
    );
    return rows.map(({ entryId, replayed }) => ({ entryId, replayed, postedAt: replayedAt.get(entryId) ?? postedAt }));
  }

  /** Moves `amount` (> 0) from one account to another of the same currency: a two-line entry. */
  async transfer(input: TransferInput, manager?: EntityManager): Promise<PostedEntry> {
    if (input.amount <= 0n) throw new InvalidEntryError('a transfer amount must be greater than zero');
    if (input.from.currency !== input.to.currency) throw new InvalidEntryError('a transfer stays in one currency');
    return this.post(
      {
        type: input.type,
        idempotencyKey: input.idempotencyKey,
        reference: input.reference,
        actor: input.actor,
        lines: [
          { account: input.from, amount: -input.amount },
          { account: input.to, amount: input.amount },
        ],
      },
      manager,
    );
  }

  /** Withdrawal requested: available -> reserved (402 when the available balance does not cover it). */
  reserve(input: CustomerMoveInput & { type?: string }, manager?: EntityManager): Promise<PostedEntry> {
    return this.moveBetweenBuckets(input, 'available', 'reserved', input.type ?? 'withdrawal.reserve', manager);
  }

  /** Withdrawal rejected or failed: reserved -> available. */
  release(input: CustomerMoveInput & { type?: string }, manager?: EntityManager): Promise<PostedEntry> {
    return this.moveBetweenBuckets(input, 'reserved', 'available', input.type ?? 'withdrawal.release', manager);
  }

  /** Withdrawal sent: reserved -> a platform account (default withdrawals_in_flight). */
  settleReserved(input: SettleReservedInput, manager?: EntityManager): Promise<PostedEntry> {
    return this.transfer(
      {
        type: input.type ?? 'withdrawal.settle',
        idempotencyKey: input.idempotencyKey,
        reference: input.reference,
        actor: input.actor,
        from: customerAccount(input.customerId, input.currency, 'reserved'),
        to: platformAccount(input.to ?? 'withdrawals_in_flight', input.currency),
        amount: input.amount,
      },
      manager,
    );
  }

  /** A shortfall the customer owes (USD arrears, never above zero), credited to a platform account. */
  recordArrears(input: RecordArrearsInput, manager?: EntityManager): Promise<PostedEntry> {
    return this.transfer(
      {
        type: 'arrears.record',
        idempotencyKey: input.idempotencyKey,
        reference: input.reference,
        actor: input.actor,
        from: customerAccount(input.customerId, 'USD', 'arrears'),
        to: platformAccount(input.creditTo ?? 'electricity_revenue', 'USD'),
        amount: input.amountMicroUsd,
      },
      manager,
    );
  }

  /**
   * Pays arrears from the customer's available USD: moves min(available, owed, max) under a
   * lock on both balance rows. A replay of the key returns what that call collected.
   */
  async collectArrears(input: CollectArrearsInput, manager?: EntityManager): Promise<CollectArrearsResult> {
    const [result] = await this.collectArrearsBulk([input], input.actor, manager);
    return result;
  }

  /**
   * collectArrears for many customers in one go (settlement): their USD balance rows locked by
   * one statement in account order, every collection posted by one postBulk. Each customer pays
   * min(available, owed, max); a key already posted returns what that entry collected. Results
   * in input order. Customer ids must be distinct; one actor for all.
   */
  async collectArrearsBulk(
    inputs: Omit<CollectArrearsInput, 'actor'>[],
    actor: CollectArrearsInput['actor'],
    manager?: EntityManager,
  ): Promise<CollectArrearsResult[]> {
    if (inputs.length === 0) return [];
    if (new Set(inputs.map((i) => i.customerId)).size !== inputs.length) throw new InvalidEntryError('collectArrearsBulk: one input per customer');
    return this.transactions.run(async (m) => {
      const rows = await this.repository.lockManyCustomerBalances(
        inputs.map((i) => i.customerId),
        'USD',
        m,
      );
      const balances = new Map<string, { available: bigint; arrears: bigint }>();
      for (const row of rows) {
        const b = balances.get(row.customerId) ?? { available: 0n, arrears: 0n };
        if (row.name === 'available') b.available = row.balance;
        if (row.name === 'arrears') b.arrears = row.balance;
        balances.set(row.customerId, b);
      }
      const previous = await this.repository.findEntriesByKeys(
        inputs.map((i) => i.idempotencyKey),
        m,
      );
      const results: CollectArrearsResult[] = [];
      const toPost: { index: number; entry: Omit<PostEntryInput, 'actor'> }[] = [];
      inputs.forEach((input, index) => {
        const b = balances.get(input.customerId) ?? { available: 0n, arrears: 0n };
        const owed = -b.arrears;
        const earlier = previous.get(input.idempotencyKey);
        if (earlier) {
          const collected = earlier.lines.find((l) => l.name === 'arrears')?.amount ?? 0n;
          results.push({ collectedMicroUsd: collected, owedMicroUsd: owed, entry: { entryId: earlier.entryId, replayed: true, postedAt: earlier.postedAt } });
          return;
        }
        let amount = owed < b.available ? owed : b.available;
        if (input.maxMicroUsd !== undefined && input.maxMicroUsd < amount) amount = input.maxMicroUsd;
        if (amount <= 0n) {
          results.push({ collectedMicroUsd: 0n, owedMicroUsd: owed, entry: null });
          return;
        }
        results.push({ collectedMicroUsd: amount, owedMicroUsd: owed - amount, entry: null });
        toPost.push({
          index,
          entry: {
            type: 'arrears.collect',
            idempotencyKey: input.idempotencyKey,
            reference: input.reference,
            lines: [
              { account: customerAccount(input.customerId, 'USD', 'available'), amount: -amount },
              { account: customerAccount(input.customerId, 'USD', 'arrears'), amount },
            ],
          },
        });
      });
      const posted = await this.postBulk({ actor, entries: toPost.map((p) => p.entry) }, m);
      toPost.forEach((p, i) => (results[p.index].entry = posted[i]));
      return results;
    }, manager);
  }

  /** Opens all of a customer's accounts (zero balances); idempotent. 404 unless the user is a customer. */
  async ensureCustomerAccounts(customerId: string, manager?: EntityManager): Promise<void> {
    const buckets = CURRENCIES_WITH_BUCKETS.flatMap((currency) => BUCKETS_BY_CURRENCY[currency].map((name) => ({ currency, name })));
    await runLedgerStatement(() => this.repository.openCustomerAccounts(customerId, buckets, manager), manager !== undefined);
  }

  /** A customer's balances per currency and bucket, in minor units (zero for accounts never used). */
  async getBalances(customerId: string, manager?: EntityManager): Promise<CustomerBalances> {
    const result: CustomerBalances = {
      customerId,
      BTC: { available: 0n, reserved: 0n, arrears: 0n },
      USD: { available: 0n, reserved: 0n, arrears: 0n },
    };
    for (const row of await this.repository.findCustomerBalances(customerId, manager)) {
      result[row.currency][row.name as keyof CustomerBalances['USD']] = row.balance;
    }
    return result;
  }

  /** A platform account's balance (the sum of its shards). */
  getPlatformBalance(account: PlatformAccount, currency: Currency, manager?: EntityManager): Promise<bigint> {
    return this.repository.platformBalance(account, currency, manager);
  }

  /** A posted entry and its lines by idempotency key, or null. */
  findEntry(idempotencyKey: string, manager?: EntityManager): Promise<EntryWithLines | null> {
    return this.repository.findEntryByKey(idempotencyKey, manager).catch((error: unknown) => {
      throw translateLedgerError(error);
    });
  }

  private moveBetweenBuckets(
    input: CustomerMoveInput,
    from: 'available' | 'reserved',
    to: 'available' | 'reserved',
    type: string,
    manager?: EntityManager,
  ): Promise<PostedEntry> {
    return this.transfer(
      {
        type,
        idempotencyKey: input.idempotencyKey,
        reference: input.reference,
        actor: input.actor,
        from: customerAccount(input.customerId, input.currency, from),
        to: customerAccount(input.customerId, input.currency, to),
        amount: input.amount,
      },
      manager,
    );
  }
}
