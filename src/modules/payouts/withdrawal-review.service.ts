import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { PayoutGuard, type RequestContext } from './payout-guard.js';
import { PayoutLedger } from './payout-ledger.js';
import { PayoutNotifier } from './payout-notifier.js';
import { PayoutsErrors } from './payouts.errors.js';
import { type WithdrawalRecord, WithdrawalRepository } from './withdrawal.repository.js';
import { type WithdrawalStatus, withdrawalSourcesOf } from './withdrawal-state.js';

/** Finance's side of withdrawals: the queue, approvals (four eyes above the threshold) and rejection. */
@Injectable()
export class WithdrawalReviewService {
  constructor(
    private readonly withdrawals: WithdrawalRepository,
    private readonly ledger: PayoutLedger,
    private readonly guard: PayoutGuard,
    private readonly notifier: PayoutNotifier,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  async list(query: { status?: WithdrawalStatus; userId?: string; cursor?: string; limit: number }): Promise<Page<WithdrawalRecord>> {
    const key = decodeCursor(query.cursor, 2);
    const rows = await this.withdrawals.page({
      userId: query.userId,
      status: query.status,
      before: key ? { requestedAt: String(key[0]), id: String(key[1]) } : undefined,
      limit: query.limit,
    });
    return toPage(rows, query.limit, (w) => [w.requestedAt.toISOString(), w.id]);
  }

  async get(id: string): Promise<WithdrawalRecord> {
    const found = await this.withdrawals.findById(id);
    if (!found) throw PayoutsErrors.withdrawalNotFound();
    return found;
  }

  /**
   * Approves a requested withdrawal. Above WITHDRAWAL_FOUR_EYES_SATS the first approval is
   * recorded and a second, different finance user must approve too (also enforced by a CHECK).
   * Refused while the customer's account is time-locked after a credential change.
   */
  async approve(actor: AuthenticatedUser, id: string, ctx: RequestContext): Promise<WithdrawalRecord> {
    return this.transactions.run(async (manager) => {
      const now = this.clock.now();
      const current = await this.withdrawals.findById(id, { lock: true }, manager);
      if (!current) throw PayoutsErrors.withdrawalNotFound();
      if (current.status !== 'requested') throw PayoutsErrors.invalidTransition('withdrawal', id, current.status, 'approved');
      await this.guard.assertAccountUnlocked(current.userId, manager);

      let updated: WithdrawalRecord | undefined;
      let action: string;
      if (current.requiresSecondApproval && current.firstApproverId === null) {
        updated = await this.withdrawals.recordFirstApproval(id, actor.userId, now, manager);
        action = 'withdrawal.first_approval';
      } else if (current.requiresSecondApproval) {
        if (current.firstApproverId === actor.userId) throw PayoutsErrors.sameApprover();
        updated = await this.withdrawals.transition(
          id,
          ['requested'],
          'approved',
          now,
          { second_approver_id: actor.userId, approved_at: now },
          undefined,
          manager,
        );
        action = 'withdrawal.approved';
      } else {
        updated = await this.withdrawals.transition(
          id,
          ['requested'],
          'approved',
          now,
          {
            first_approver_id: actor.userId,
            first_approved_at: now,
            approved_at: now,
          },
          undefined,
          manager,
        );
        action = 'withdrawal.approved';
      }
      if (!updated) throw PayoutsErrors.invalidTransition('withdrawal', id, current.status, 'approved');
      await this.audit.record(manager, {
        actor,
        action,
        entityType: 'withdrawal',
        entityId: id,
        before: { status: current.status, firstApproverId: current.firstApproverId },
        after: { status: updated.status, firstApproverId: updated.firstApproverId, secondApproverId: updated.secondApproverId },
        requestId: ctx.requestId,
      });
      if (updated.status === 'approved') await this.notifier.withdrawalChanged(manager, updated);
      return updated;
    });
  }

  /** Rejects a withdrawal not yet batched; its amount goes back to the customer's available balance. */
  async reject(actor: AuthenticatedUser, id: string, reason: string, ctx: RequestContext): Promise<WithdrawalRecord> {
    return this.transactions.run(async (manager) => {
      const now = this.clock.now();
      const current = await this.withdrawals.findById(id, { lock: true }, manager);
      if (!current) throw PayoutsErrors.withdrawalNotFound();
      const rejected = await this.withdrawals.transition(
        id,
        withdrawalSourcesOf('rejected'),
        'rejected',
        now,
        {
          rejected_by: actor.userId,
          reject_reason: reason,
        },
        undefined,
        manager,
      );
      if (!rejected) throw PayoutsErrors.invalidTransition('withdrawal', id, current.status, 'rejected');
      await this.ledger.release(manager, rejected, actor);
      await this.withdrawals.subtractDailyUsage(rejected.userId, rejected.requestDay, rejected.amountSats, now, manager);
      await this.audit.record(manager, {
        actor,
        action: 'withdrawal.rejected',
        entityType: 'withdrawal',
        entityId: id,
        before: { status: current.status },
        after: { status: 'rejected', reason },
        requestId: ctx.requestId,
      });
      await this.notifier.withdrawalChanged(manager, rejected);
      return rejected;
    });
  }
}
