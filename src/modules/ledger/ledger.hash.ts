import { hash } from 'node:crypto';
import { accountKey } from './ledger.accounts.js';
import type { LedgerLine } from './ledger.types.js';

/**
 * sha256 of an entry's content: type, reference and lines (order-insensitive). The actor is
 * left out on purpose: the same deposit recorded by two finance users is one deposit.
 * The canonical form is stored (as its hash) with every entry: changing it would turn replays
 * of older entries into conflicts. It is unambiguous: the type and account keys cannot contain
 * a newline, and the reference is JSON-quoted.
 */
export function entryRequestHash(type: string, reference: string | null | undefined, lines: readonly LedgerLine[]): string {
  const canonicalLines = lines.map((line) => `${accountKey(line.account)}=${line.amount.toString()}`).sort();
  return hash('sha256', `${type}\n${JSON.stringify(reference ?? null)}\n${canonicalLines.join('\n')}`);
}
