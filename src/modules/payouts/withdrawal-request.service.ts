import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { formatBtc } from '../../common/money/units.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { sqlState, TransactionRunner } from '../../database/transaction.js';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js';
import { validatePayoutAddress } from '../../common/bitcoin/bitcoin-address.js';
import { PayoutAddressRepository } from './payout-address.repository.js';
import { PayoutGuard, type RequestContext } from './payout-guard.js';
import { PayoutLedger } from './payout-ledger.js';
import { PayoutNotifier } from './payout-notifier.js';
import { PayoutsErrors } from './payouts.errors.js';
import { utcDayOf } from '../../common/clock/utc-day.js';
import { type WithdrawalRecord, WithdrawalRepository } from './withdrawal.repository.js';
import type { WithdrawalStatus } from './withdrawal-state.js';

export interface WithdrawalInput {
  addressId?: string;
  address?: string;
  amountSats: bigint;
  totpCode: string;
}

/** What the core creation step needs once the caller is authenticated and second-factor verified. */
export interface ReservedWithdrawalInput {
  userId: string;
  by: { id: string } | { address: string };
  amountSats: bigint;
  source: 'manual' | 'auto';
  autoDay: string | null;
  idempotencyKey: string | null;
  requestHash: string | null;
}

export interface WithdrawalOutcome {
  withdrawal: WithdrawalRecord;
  /** True when an earlier request with the same Idempotency-Key is returned (nothing moved). */
  replayed: boolean;
}

/**
 * Customers' withdrawals: request (TOTP, Idempotency-Key, limits, reservation on the ledger
 * in the same transaction), list with the reason each one waits, and cancel.
 */
@Injectable()
export class WithdrawalRequestService {
  constructor(
    private readonly withdrawals: WithdrawalRepository,
    private readonly addresses: PayoutAddressRepository,
    private readonly ledger: PayoutLedger,
    private readonly guard: PayoutGuard,
    private readonly notifier: PayoutNotifier,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async request(user: AuthenticatedUser, input: WithdrawalInput, idempotencyKey: string, ctx: RequestContext): Promise<WithdrawalOutcome> {
    if ((input.addressId === undefined) === (input.address === undefined)) throw PayoutsErrors.addressOrIdRequired();
    let by: { id: string } | { address: string };
    if (input.addressId !== undefined) {
      by = { id: input.addressId };
    } else {
      const checked = validatePayoutAddress(input.address ?? '', this.config.BITCOIN_NETWORK);
      if (!checked.ok) throw PayoutsErrors.invalidAddress('address', checked.problem, checked.message);
      by = { address: checked.value.address };
    }
    const requestHash = createHash('sha256')
      .update(JSON.stringify({ by, amountSats: input.amountSats.toString() }))
      .digest('hex');

    // A replay returns the first result and moves nothing; it needs no new TOTP code.
    const earlier = await this.withdrawals.findByIdempotencyKey(user.userId, idempotencyKey);
    if (earlier) return this.replay(earlier, requestHash);

    await this.guard.limitWithdrawal(user.userId, ctx.ip);
    this.assertAmount(input.amountSats);
    try {
      const withdrawal = await this.transactions.run(async (manager) => {
        // The code is consumed only if the withdrawal commits (wrong codes are counted regardless).
        await this.guard.requireTotp(user.userId, input.totpCode, manager);
        return this.createReserved(
          manager,
          { userId: user.userId, by, amountSats: input.amountSats, source: 'manual', autoDay: null, idempotencyKey, requestHash },
          user,
          ctx.requestId,
        );
      });
      return { withdrawal: withdrawal!, replayed: false };
    } catch (error) {
      // A concurrent request with the same key won the insert: answer with its result.
      if (sqlState(error) === '23505') {
        const winner = await this.withdrawals.findByIdempotencyKey(user.userId, idempotencyKey);
        if (winner) return this.replay(winner, requestHash);
      }
      throw error;
    }
  }

  /**
   * Creates a requested withdrawal and reserves its amount on the ledger in the caller's
   * transaction. The caller has authenticated the customer (TOTP for manual requests). Returns
   * undefined only for an automatic payout that already exists for that day.
   */
  async createReserved(
    manager: EntityManager,
    input: ReservedWithdrawalInput,
    actor: AuthenticatedUser | null,
    requestId?: string,
  ): Promise<WithdrawalRecord | undefined> {
    const now = this.clock.now();
    const address = await this.addresses.findActiveForUse(input.userId, input.by, manager);
    if (!address) throw 'id' in input.by ? PayoutsErrors.addressNotFound() : PayoutsErrors.addressNotWhitelisted();
    if (address.usableFrom.getTime() > now.getTime()) throw PayoutsErrors.addressTimeLocked(address.usableFrom);
    await this.guard.assertAccountUnlocked(input.userId, manager);

    const day = utcDayOf(now);
    const usage = await this.withdrawals.addDailyUsage(input.userId, day, input.amountSats, this.config.WITHDRAWAL_DAILY_LIMIT_SATS, now, manager);
    if (usage === undefined) {
      const used = await this.withdrawals.dailyUsage(input.userId, day, manager);
      const remaining = this.config.WITHDRAWAL_DAILY_LIMIT_SATS - used;
      throw PayoutsErrors.dailyLimitExceeded(formatBtc(this.config.WITHDRAWAL_DAILY_LIMIT_SATS), formatBtc(remaining > 0n ? remaining : 0n));
    }
    const withdrawal = await this.withdrawals.insert(
      {
        userId: input.userId,
        addressId: address.id,
        address: address.address,
        amountSats: input.amountSats,
        feeSats: this.config.WITHDRAWAL_NETWORK_FEE_SATS,
        source: input.source,
        autoDay: input.autoDay,
        requestDay: day,
        idempotencyKey: input.idempotencyKey,
        requestHash: input.requestHash,
        requiresSecondApproval: input.amountSats > this.config.WITHDRAWAL_FOUR_EYES_SATS,
        now,
      },
      manager,
    );
    if (!withdrawal) return undefined;
    // Same transaction: the row and the reservation commit together or not at all; the ledger
    // locks the customer's balance, so concurrent requests queue and cannot overdraw it.
    await this.ledger.reserve(manager, withdrawal, actor ?? SYSTEM_ACTOR);
    await this.audit.record(manager, {
      actor: actor ?? SYSTEM_ACTOR,
      action: 'withdrawal.requested',
      entityType: 'withdrawal',
      entityId: withdrawal.id,
      after: withdrawal,
      requestId,
    });
    await this.notifier.withdrawalChanged(manager, withdrawal);
    return withdrawal;
  }

  /** Customers may cancel while the withdrawal still waits for approval; the funds are released. */
  async cancel(user: AuthenticatedUser, id: string, ctx: RequestContext): Promise<WithdrawalRecord> {
    return this.transactions.run(async (manager) => {
      const now = this.clock.now();
      const cancelled = await this.withdrawals.transition(id, ['requested'], 'cancelled', now, {}, user.userId, manager);
      if (!cancelled) {
        const current = await this.withdrawals.findById(id, { userId: user.userId }, manager);
        if (!current) throw PayoutsErrors.withdrawalNotFound();
        throw PayoutsErrors.invalidTransition('withdrawal', id, current.status, 'cancelled');
      }
      await this.ledger.release(manager, cancelled, user);
      await this.withdrawals.subtractDailyUsage(cancelled.userId, cancelled.requestDay, cancelled.amountSats, now, manager);
      await this.audit.record(manager, {
        actor: user,
        action: 'withdrawal.cancelled',
        entityType: 'withdrawal',
        entityId: id,
        before: { status: 'requested' },
        after: cancelled,
        requestId: ctx.requestId,
      });
      await this.notifier.withdrawalChanged(manager, cancelled);
      return cancelled;
    });
  }

  async get(userId: string, id: string): Promise<WithdrawalRecord> {
    const found = await this.withdrawals.findById(id, { userId });
    if (!found) throw PayoutsErrors.withdrawalNotFound();
    return found;
  }

  async list(userId: string, query: { status?: WithdrawalStatus; cursor?: string; limit: number }): Promise<Page<WithdrawalRecord>> {
    const key = decodeCursor(query.cursor, 2);
    const rows = await this.withdrawals.page({
      userId,
      status: query.status,
      before: key ? { requestedAt: String(key[0]), id: String(key[1]) } : undefined,
      limit: query.limit,
    });
    return toPage(rows, query.limit, (w) => [w.requestedAt.toISOString(), w.id]);
  }

  /** The account's current withdrawal lock, shown with each waiting withdrawal. */
  accountLockedUntil(userId: string): Promise<Date | null> {
    return this.guard.accountLockedUntil(userId);
  }

  private replay(earlier: WithdrawalRecord, requestHash: string): WithdrawalOutcome {
    if (earlier.requestHash !== requestHash) throw PayoutsErrors.idempotencyKeyReused();
    return { withdrawal: earlier, replayed: true };
  }

  private assertAmount(amountSats: bigint): void {
    if (amountSats < this.config.WITHDRAWAL_MIN_SATS) throw PayoutsErrors.belowMinimum(formatBtc(this.config.WITHDRAWAL_MIN_SATS));
  }
}
