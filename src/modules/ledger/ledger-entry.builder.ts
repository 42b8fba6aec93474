import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { INT64_MAX } from '../../common/money/decimal.js';
import { formatAmount, isCurrency, type Currency } from '../../common/money/units.js';
import type { AuditActor } from '../audit/audit.service.js';
import { CustomerAccountCache } from './customer-account.cache.js';
import { BUCKETS_BY_CURRENCY, isPlatformRef, type AccountRef } from './ledger.accounts.js';
import { InvalidEntryError, LedgerInvariantError } from './ledger.errors.js';
import { entryRequestHash } from './ledger.hash.js';
import { LedgerRepository, type PlatformAccountRow, type SqlActor, type SqlEntry, type SqlLine } from './ledger.repository.js';
import type { LedgerLine, PostEntryInput } from './ledger.types.js';

const TYPE_PATTERN = /^[a-z][a-z0-9_.]{0,62}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_LINES_PER_ENTRY = 1000;

/**
 * Checks an entry before it reaches the database (the database checks again) and resolves its
 * lines: platform accounts to their id and a random balance shard, customer accounts to their
 * id when it is known, else to (customer, currency, bucket), looked up (and opened on first
 * use) in SQL.
 */
@Injectable()
export class LedgerEntryBuilder {
  /** Platform accounts are created by migration and never change, so caching them is safe. */
  private platformAccounts?: Promise<Map<string, PlatformAccountRow>>;
  private loadedPlatform?: Map<string, PlatformAccountRow>;
  /** One read per transaction while the cache is cold (a bulk call builds its entries at once). */
  private readonly platformLoadsByTransaction = new WeakMap<EntityManager, Promise<Map<string, PlatformAccountRow>>>();
  private readonly customerAccounts = new CustomerAccountCache();

  constructor(private readonly repository: LedgerRepository) {}

  /** Remembers the account ids a committed entry resolved (see CustomerAccountCache). */
  rememberAccounts(entry: SqlEntry, accountIds: readonly (string | null)[] | null): void {
    if (!accountIds) return;
    entry.lines.forEach((line, i) => {
      const id = accountIds[i];
      if (line.customerId !== null && id) this.customerAccounts.set(line.customerId, line.currency, line.name, id);
    });
  }

  /** `manager`: the caller's transaction, if any (the platform accounts are read on its connection the first time). */
  async build(input: Omit<PostEntryInput, 'actor'>, manager?: EntityManager): Promise<SqlEntry> {
    checkText('type', input.type, TYPE_PATTERN);
    if (typeof input.idempotencyKey !== 'string' || input.idempotencyKey.length < 1 || input.idempotencyKey.length > 200) {
      throw new InvalidEntryError('idempotencyKey must be 1 to 200 characters');
    }
    if (input.reference != null && (typeof input.reference !== 'string' || input.reference.length > 200)) {
      throw new InvalidEntryError('reference must be at most 200 characters');
    }
    if (!Array.isArray(input.lines) || input.lines.length < 2 || input.lines.length > MAX_LINES_PER_ENTRY) {
      throw new InvalidEntryError(`an entry has 2 to ${MAX_LINES_PER_ENTRY} lines`);
    }
    assertBalanced(input.lines);
    const platform = this.loadedPlatform ?? (await this.platform(manager));
    const lines = input.lines.map((line) => resolve(line, platform, this.customerAccounts));
    return {
      type: input.type,
      idempotencyKey: input.idempotencyKey,
      reference: input.reference ?? null,
      requestHash: entryRequestHash(input.type, input.reference, input.lines),
      lines,
    };
  }

  private async platform(manager?: EntityManager): Promise<Map<string, PlatformAccountRow>> {
    // A caller inside a transaction reads them on its own connection: waiting for a second pooled
    // connection while holding one exhausts the pool when many such transactions start at once.
    if (manager) {
      let loading = this.platformLoadsByTransaction.get(manager);
      if (!loading) {
        loading = this.repository.findPlatformAccounts(manager).then((rows) => (this.loadedPlatform = platformMap(rows)));
        this.platformLoadsByTransaction.set(manager, loading);
      }
      return loading;
    }
    this.platformAccounts ??= this.repository.findPlatformAccounts().then(
      (rows) => (this.loadedPlatform = platformMap(rows)),
      (error: unknown) => {
        this.platformAccounts = undefined;
        throw error;
      },
    );
    return this.platformAccounts;
  }
}

function platformMap(rows: readonly PlatformAccountRow[]): Map<string, PlatformAccountRow> {
  return new Map(rows.map((row) => [`${row.name}:${row.currency}`, row]));
}

/**
 * One balance shard per platform account for a whole bulk call: the call's lines to that account
 * all go to the shard its first line drew. A bulk call holds its balance rows until its
 * transaction ends; drawing per line would lock nearly every shard, so concurrent bulk calls
 * (purchase groups of one product, settlement chunks) would queue on each other.
 */
export function oneShardPerPlatformAccount(entries: readonly SqlEntry[]): void {
  const drawn = new Map<string, number>();
  for (const entry of entries) {
    for (const line of entry.lines) {
      if (line.customerId !== null || line.accountId === null) continue;
      const shard = drawn.get(line.accountId);
      if (shard === undefined) drawn.set(line.accountId, line.shard);
      else line.shard = shard;
    }
  }
}

export function sqlActor(actor: AuditActor): SqlActor {
  return { actorId: actor.userId, actorRole: actor.role };
}

function resolve(line: LedgerLine, platform: Map<string, PlatformAccountRow>, customers: CustomerAccountCache): SqlLine {
  const ref: AccountRef = line.account;
  if (!ref || !isCurrency(ref.currency)) throw new InvalidEntryError('every line needs an account with a currency of BTC or USD');
  if (isPlatformRef(ref)) {
    const account = platform.get(`${ref.platform}:${ref.currency}`);
    if (!account) throw new InvalidEntryError(`unknown platform account ${ref.platform} (${ref.currency})`);
    // A random shard spreads concurrent postings over the account's balance rows (see docs/ledger.md).
    const shard = account.shardCount > 1 ? Math.floor(Math.random() * account.shardCount) : 0;
    return { accountId: account.id, shard, customerId: null, name: account.name, currency: ref.currency, amount: line.amount };
  }
  const bucket = ref.bucket ?? 'available';
  if (typeof ref.customerId !== 'string' || !UUID_PATTERN.test(ref.customerId)) throw new InvalidEntryError('customerId must be a UUID');
  if (!BUCKETS_BY_CURRENCY[ref.currency].includes(bucket)) throw new InvalidEntryError(`customers have no ${bucket} ${ref.currency} account`);
  const customerId = ref.customerId.toLowerCase();
  const accountId = customers.get(customerId, ref.currency, bucket) ?? null;
  return { accountId, shard: 0, customerId, name: bucket, currency: ref.currency, amount: line.amount };
}

/** Double entry, checked before the round trip: non-zero int64 amounts summing to zero per currency. */
function assertBalanced(lines: readonly LedgerLine[]): void {
  const sums = new Map<Currency, bigint>();
  for (const line of lines) {
    if (typeof line.amount !== 'bigint') throw new InvalidEntryError('line amounts are bigint minor units');
    if (line.amount === 0n) throw new InvalidEntryError('a line amount must not be zero');
    if (line.amount > INT64_MAX || line.amount < -INT64_MAX) throw new InvalidEntryError('a line amount is out of range');
    const currency = line.account?.currency;
    sums.set(currency, (sums.get(currency) ?? 0n) + line.amount);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) {
      throw new LedgerInvariantError(`unbalanced entry: ${currency} lines sum to ${isCurrency(currency) ? formatAmount(currency, sum) : sum}`);
    }
  }
}

function checkText(field: string, value: unknown, pattern: RegExp): void {
  if (typeof value !== 'string' || !pattern.test(value)) throw new InvalidEntryError(`${field} must match ${pattern.source}`);
}
