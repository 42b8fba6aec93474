import type { Currency } from '../../common/money/units.js';

const MAX_ENTRIES = 200_000;

/**
 * Customer account ids by (customer, currency, bucket), so a post can name its accounts by id
 * instead of looking them up in SQL. Safe to keep forever: accounts are never deleted and ids
 * come from a sequence, so an id is never reused. Only ids seen after a commit are stored (the
 * service fills it after an autocommit post, never from inside a caller's transaction, which
 * could still roll back the account it opened). Bounded; the oldest ids are dropped first.
 */
export class CustomerAccountCache {
  private readonly ids = new Map<string, string>();

  get(customerId: string, currency: Currency, bucket: string): string | undefined {
    return this.ids.get(`${customerId}:${currency}:${bucket}`);
  }

  set(customerId: string, currency: Currency, bucket: string, accountId: string): void {
    const key = `${customerId}:${currency}:${bucket}`;
    if (this.ids.has(key)) return;
    if (this.ids.size >= MAX_ENTRIES) this.ids.delete(this.ids.keys().next().value as string);
    this.ids.set(key, accountId);
  }
}
