import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { formatBtc } from '../../common/money/units.js';
import { OutboxService } from '../outbox/outbox.service.js';
import type { PayoutAddress } from './entities/payout-address.entity.js';
import type { WithdrawalRecord } from './withdrawal.repository.js';
import { PayoutGuard } from './payout-guard.js';

/**
 * Customer notifications as outbox rows written in the caller's transaction: each payload is
 * ready for an email (to, template, subject, data) or a webhook (topic + data).
 */
@Injectable()
export class PayoutNotifier {
  constructor(
    private readonly outbox: OutboxService,
    private readonly guard: PayoutGuard,
  ) {}

  async addressAdded(manager: EntityManager, user: AuthenticatedUser, address: PayoutAddress): Promise<void> {
    await this.outbox.add(manager, 'payouts.address_added', {
      to: { userId: user.userId, email: user.email },
      template: 'payout-address-added',
      subject: 'A payout address was added to your account',
      data: {
        addressId: address.id,
        address: address.address,
        label: address.label,
        addedAt: address.createdAt.toISOString(),
        usableFrom: address.usableFrom.toISOString(),
        advice: 'If this was not you, remove the address and change your password before it becomes usable.',
      },
    });
  }

  async addressRemoved(manager: EntityManager, user: AuthenticatedUser, address: PayoutAddress, autoPayoutsStopped: boolean): Promise<void> {
    await this.outbox.add(manager, 'payouts.address_removed', {
      to: { userId: user.userId, email: user.email },
      template: 'payout-address-removed',
      subject: 'A payout address was removed from your account',
      data: { addressId: address.id, address: address.address, removedAt: address.removedAt?.toISOString() ?? null, autoPayoutsStopped },
    });
  }

  /** A withdrawal changed status (requested, rejected, cancelled, failed, confirmed...). */
  async withdrawalChanged(manager: EntityManager, withdrawal: WithdrawalRecord, extra: Record<string, unknown> = {}, email?: string): Promise<void> {
    email ??= await this.guard.customerEmail(withdrawal.userId, manager);
    await this.outbox.add(manager, `payouts.withdrawal_${withdrawal.status}`, {
      to: { userId: withdrawal.userId, email },
      template: `withdrawal-${withdrawal.status}`,
      subject: `Your withdrawal of ${formatBtc(withdrawal.amountSats)} BTC is ${withdrawal.status}`,
      data: {
        withdrawalId: withdrawal.id,
        status: withdrawal.status,
        address: withdrawal.address,
        amount: formatBtc(withdrawal.amountSats),
        networkFee: formatBtc(withdrawal.feeSats),
        youReceive: formatBtc(withdrawal.netSats),
        txid: withdrawal.txid,
        rejectReason: withdrawal.rejectReason,
        ...extra,
      },
    });
  }

  /** Every withdrawal of a batch step; each customer's address is looked up once. */
  async withdrawalsChanged(manager: EntityManager, withdrawals: readonly WithdrawalRecord[], extra: Record<string, unknown> = {}): Promise<void> {
    const emails = new Map<string, string>();
    for (const withdrawal of withdrawals) {
      let email = emails.get(withdrawal.userId);
      if (email === undefined) {
        email = await this.guard.customerEmail(withdrawal.userId, manager);
        emails.set(withdrawal.userId, email);
      }
      await this.withdrawalChanged(manager, withdrawal, extra, email);
    }
  }

  async autoPayoutChanged(manager: EntityManager, user: AuthenticatedUser, data: Record<string, unknown>): Promise<void> {
    await this.outbox.add(manager, 'payouts.auto_payout_changed', {
      to: { userId: user.userId, email: user.email },
      template: 'auto-payout-changed',
      subject: 'Your automatic payout settings changed',
      data,
    });
  }
}
