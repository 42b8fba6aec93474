import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditActor } from '../audit/audit.service.js';
import { customerAccount, platformAccount } from '../ledger/ledger.accounts.js';
import type { LedgerLine } from '../ledger/ledger.types.js';
import { LedgerService } from '../ledger/ledger.service.js';
import type { BatchRecord } from './payout-batch.repository.js';
import type { WithdrawalRecord } from './withdrawal.repository.js';

/** Sum of `amount` per customer, so a batch entry has one line per customer, not per withdrawal. */
function perCustomer(withdrawals: readonly WithdrawalRecord[], amount: (w: WithdrawalRecord) => bigint): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const w of withdrawals) sums.set(w.userId, (sums.get(w.userId) ?? 0n) + amount(w));
  return sums;
}

function total(withdrawals: readonly WithdrawalRecord[], amount: (w: WithdrawalRecord) => bigint): bigint {
  return withdrawals.reduce((sum, w) => sum + amount(w), 0n);
}

/**
 * How withdrawals move money, always through the ledger service and inside the caller's
 * transaction, each entry keyed by the withdrawal or batch step so a replay moves nothing:
 *   request        available -> reserved                      (per withdrawal)
 *   cancel/reject  reserved -> available                      (per withdrawal)
 *   broadcast      reserved -> withdrawals_in_flight          (one entry per batch)
 *   confirm        withdrawals_in_flight -> platform_wallet (net) + network_fees (withheld fee)
 *   fail           reserved or withdrawals_in_flight -> available (one entry per batch)
 */
@Injectable()
export class PayoutLedger {
  constructor(private readonly ledger: LedgerService) {}

  /** Locks the customer's balance and moves the amount to reserved; 402 when it is not available. */
  async reserve(manager: EntityManager, w: WithdrawalRecord, actor: AuditActor): Promise<void> {
    await this.ledger.reserve(
      { customerId: w.userId, currency: 'BTC', amount: w.amountSats, idempotencyKey: `withdrawal:${w.id}:reserve`, reference: `withdrawal ${w.id}`, actor },
      manager,
    );
  }

  async release(manager: EntityManager, w: WithdrawalRecord, actor: AuditActor): Promise<void> {
    await this.ledger.release(
      { customerId: w.userId, currency: 'BTC', amount: w.amountSats, idempotencyKey: `withdrawal:${w.id}:release`, reference: `withdrawal ${w.id}`, actor },
      manager,
    );
  }

  /** A customer's available BTC, read in the caller's transaction. */
  async availableSats(manager: EntityManager, customerId: string): Promise<bigint> {
    return (await this.ledger.getBalances(customerId, manager)).BTC.available;
  }

  /** The batch's transaction is on the network: its reserved amounts are now in flight. */
  async broadcast(manager: EntityManager, batch: BatchRecord, withdrawals: readonly WithdrawalRecord[], actor: AuditActor): Promise<void> {
    const lines: LedgerLine[] = [...perCustomer(withdrawals, (w) => w.amountSats)].map(([customerId, sats]) => ({
      account: customerAccount(customerId, 'BTC', 'reserved'),
      amount: -sats,
    }));
    lines.push({ account: platformAccount('withdrawals_in_flight', 'BTC'), amount: total(withdrawals, (w) => w.amountSats) });
    await this.ledger.post(
      { type: 'withdrawal.broadcast', idempotencyKey: `payout-batch:${batch.id}:broadcast`, reference: batch.txid, actor, lines },
      manager,
    );
  }

  /** Confirmed on chain: the coins left the platform wallet; the withheld fees pay the network. */
  async confirm(manager: EntityManager, batch: BatchRecord, withdrawals: readonly WithdrawalRecord[], actor: AuditActor): Promise<void> {
    const lines: LedgerLine[] = [
      { account: platformAccount('withdrawals_in_flight', 'BTC'), amount: -total(withdrawals, (w) => w.amountSats) },
      { account: platformAccount('platform_wallet', 'BTC'), amount: total(withdrawals, (w) => w.netSats) },
    ];
    const fees = total(withdrawals, (w) => w.feeSats);
    if (fees > 0n) lines.push({ account: platformAccount('network_fees', 'BTC'), amount: fees });
    await this.ledger.post({ type: 'withdrawal.confirm', idempotencyKey: `payout-batch:${batch.id}:confirm`, reference: batch.txid, actor, lines }, manager);
  }

  /** The batch was not paid: every amount goes back to its customer's available balance. */
  async fail(manager: EntityManager, batch: BatchRecord, withdrawals: readonly WithdrawalRecord[], wasBroadcast: boolean, actor: AuditActor): Promise<void> {
    if (withdrawals.length === 0) return;
    const lines: LedgerLine[] = [];
    for (const [customerId, sats] of perCustomer(withdrawals, (w) => w.amountSats)) {
      if (!wasBroadcast) lines.push({ account: customerAccount(customerId, 'BTC', 'reserved'), amount: -sats });
      lines.push({ account: customerAccount(customerId, 'BTC', 'available'), amount: sats });
    }
    if (wasBroadcast) lines.push({ account: platformAccount('withdrawals_in_flight', 'BTC'), amount: -total(withdrawals, (w) => w.amountSats) });
    await this.ledger.post(
      { type: 'withdrawal.batch_failed', idempotencyKey: `payout-batch:${batch.id}:fail`, reference: batch.txid ?? `batch ${batch.id}`, actor, lines },
      manager,
    );
  }
}
