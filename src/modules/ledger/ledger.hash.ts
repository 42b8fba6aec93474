import { createHash } from 'node:crypto';
import { accountKey } from './ledger.accounts.js';
import type { LedgerLine } from './ledger.types.js';

/**
 * sha256 of an entry's content: type, reference and lines (order-insensitive). The actor is
 * left out on purpose: the same deposit recorded by two finance users is one deposit.
 */
export function entryRequestHash(type: string, reference: string | null | undefined, lines: readonly LedgerLine[]): string {
  const canonicalLines = lines.map((line) => `${accountKey(line.account)}=${line.amount.toString()}`).sort();
  return createHash('sha256')
    .update(JSON.stringify({ type, reference: reference ?? null, lines: canonicalLines }))
    .digest('hex');
}
