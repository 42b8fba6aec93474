import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { formatBtc } from '../../common/money/units.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js';
import { type AutoPayoutSettingRecord, AutoPayoutRepository } from './auto-payout.repository.js';
import { PayoutAddressRepository } from './payout-address.repository.js';
import { PayoutGuard, type RequestContext } from './payout-guard.js';
import { PayoutLedger } from './payout-ledger.js';
import { PayoutNotifier } from './payout-notifier.js';
import { PayoutsErrors } from './payouts.errors.js';
import { utcDayOf } from '../../common/clock/utc-day.js';
import { WithdrawalRequestService } from './withdrawal-request.service.js';
import { WithdrawalRepository } from './withdrawal.repository.js';

export interface AutoPayoutRunSummary {
  day: string;
  candidates: number;
  created: number;
  belowThreshold: number;
  skipped: { userId: string; code: string }[];
}

const PAGE = 500;

/**
 * Automatic payouts: a customer's standing instruction, and the daily run that turns balances
 * at or above each threshold into withdrawals (one per customer per day, by a unique index).
 */
@Injectable()
export class AutoPayoutService {
  private readonly logger = new Logger(AutoPayoutService.name);

  constructor(
    private readonly settings: AutoPayoutRepository,
    private readonly addresses: PayoutAddressRepository,
    private readonly withdrawals: WithdrawalRepository,
    private readonly requests: WithdrawalRequestService,
    private readonly ledger: PayoutLedger,
    private readonly guard: PayoutGuard,
    private readonly notifier: PayoutNotifier,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(userId: string): Promise<AutoPayoutSettingRecord> {
    const found = await this.settings.find(userId);
    if (!found) throw PayoutsErrors.autoPayoutNotSet();
    return found;
  }

  /** Sets (or replaces) the threshold and address; directing money needs a fresh TOTP code. */
  async set(
    user: AuthenticatedUser,
    input: { addressId: string; thresholdSats: bigint; totpCode: string },
    ctx: RequestContext,
  ): Promise<AutoPayoutSettingRecord> {
    await this.guard.limitAddressChange(user.userId, ctx.ip);
    if (input.thresholdSats < this.config.WITHDRAWAL_MIN_SATS) throw PayoutsErrors.thresholdBelowMinimum(formatBtc(this.config.WITHDRAWAL_MIN_SATS));
    return this.transactions.run(async (manager) => {
      await this.guard.requireTotp(user.userId, input.totpCode, manager);
      const address = await this.addresses.findActiveForUse(user.userId, { id: input.addressId }, manager);
      if (!address) throw PayoutsErrors.addressNotFound();
      const before = await this.settings.find(user.userId, manager);
      await this.settings.upsert(user.userId, address.id, input.thresholdSats, this.clock.now(), manager);
      const after = (await this.settings.find(user.userId, manager))!;
      await this.audit.record(manager, {
        actor: user,
        action: 'auto_payout.set',
        entityType: 'auto_payout',
        entityId: user.userId,
        before: before ?? null,
        after,
        requestId: ctx.requestId,
      });
      await this.notifier.autoPayoutChanged(manager, user, {
        enabled: true,
        address: after.address,
        threshold: formatBtc(after.thresholdSats),
        usableFrom: after.usableFrom.toISOString(),
      });
      return after;
    });
  }

  async disable(user: AuthenticatedUser, ctx: RequestContext): Promise<void> {
    await this.transactions.run(async (manager) => {
      const removed = await this.settings.delete(user.userId, manager);
      if (!removed) throw PayoutsErrors.autoPayoutNotSet();
      await this.audit.record(manager, {
        actor: user,
        action: 'auto_payout.disabled',
        entityType: 'auto_payout',
        entityId: user.userId,
        before: removed,
        requestId: ctx.requestId,
      });
      await this.notifier.autoPayoutChanged(manager, user, { enabled: false });
    });
  }

  /**
   * The daily run for `day` (UTC). Candidates are selected set-based, a page at a time (usable
   * address, no automatic withdrawal for the day yet); each payout is then its own transaction
   * (balance read, reservation), so one customer's problem never stops everyone else's payouts.
   * Re-running a day creates nothing twice. Balances below the threshold carry over untouched.
   */
  async run(day: string = utcDayOf(this.clock.now())): Promise<AutoPayoutRunSummary> {
    const summary: AutoPayoutRunSummary = { day, candidates: 0, created: 0, belowThreshold: 0, skipped: [] };
    let after: string | null = null;
    for (;;) {
      const now = this.clock.now();
      const candidates = await this.settings.dueCandidates(day, now, after, PAGE);
      if (candidates.length === 0) break;
      after = candidates[candidates.length - 1].userId;
      summary.candidates += candidates.length;
      for (const candidate of candidates) {
        try {
          const created = await this.transactions.run(async (manager) => {
            const available = await this.ledger.availableSats(manager, candidate.userId);
            if (available < candidate.thresholdSats) return 'below_threshold' as const;
            const used = await this.withdrawals.dailyUsage(candidate.userId, utcDayOf(now), manager);
            const room = this.config.WITHDRAWAL_DAILY_LIMIT_SATS - used;
            // The whole balance (no dust left behind), capped by what the daily limit still allows.
            const amountSats = available < room ? available : room;
            if (amountSats < this.config.WITHDRAWAL_MIN_SATS)
              throw PayoutsErrors.dailyLimitExceeded(formatBtc(this.config.WITHDRAWAL_DAILY_LIMIT_SATS), formatBtc(room > 0n ? room : 0n));
            return this.requests.createReserved(
              manager,
              { userId: candidate.userId, by: { id: candidate.addressId }, amountSats, source: 'auto', autoDay: day, idempotencyKey: null, requestHash: null },
              null,
            );
          });
          if (created === 'below_threshold') summary.belowThreshold += 1;
          else if (created) summary.created += 1;
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          summary.skipped.push({ userId: candidate.userId, code: error.code });
          this.logger.warn(`automatic payout for ${candidate.userId} on ${day} skipped: ${error.code}`);
        }
      }
    }
    await this.transactions.run((manager) =>
      this.audit.record(manager, { actor: SYSTEM_ACTOR, action: 'auto_payout.run', entityType: 'auto_payout_run', entityId: day, after: summary }),
    );
    return summary;
  }
}
