import { Inject, Injectable, Logger } from '@nestjs/common';
import { generateSecret, generateURI } from 'otplib';
import type { EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { AuthErrors } from './auth.errors.js';
import { TotpCipher } from './totp-cipher.js';
import { matchTotpStep, TOTP_PERIOD_SECONDS } from './totp-step.js';
import { UsersRepository, type UserRecord } from './users.repository.js';

export interface TotpEnrollment {
  secret: string;
  otpauthUri: string;
}

export interface TotpStatus {
  enabled: boolean;
  enabledAt: Date | null;
  withdrawalsLockedUntil: Date | null;
}

/**
 * TOTP (RFC 6238) second factor: enrolment, first verification that enables it, and the
 * `verifyTotp` step-up check other modules call (withdrawals, payout addresses).
 */
@Injectable()
export class TotpService {
  private readonly logger = new Logger(TotpService.name);
  private readonly cipher: TotpCipher;

  constructor(
    private readonly users: UsersRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.cipher = new TotpCipher(config.TOTP_ENCRYPTION_KEY);
  }

  /** Starts (or restarts) enrolment: a new secret, stored encrypted, not yet required. */
  async enroll(user: AuthenticatedUser): Promise<TotpEnrollment> {
    const secret = generateSecret();
    const stored = await this.users.startTotpEnrolment(user.userId, this.cipher.encrypt(secret, user.userId), this.clock.now());
    if (!stored) {
      const existing = await this.users.findById(user.userId);
      throw existing ? AuthErrors.totpAlreadyEnabled() : AuthErrors.userNotFound();
    }
    return {
      secret,
      otpauthUri: generateURI({ issuer: this.config.TOTP_ISSUER, label: user.email, secret, period: TOTP_PERIOD_SECONDS }),
    };
  }

  /**
   * Checks a code; the first accepted code after enrolment enables TOTP, which also locks
   * withdrawals for WITHDRAWAL_LOCK_HOURS (a stolen session cannot add a factor and cash out).
   */
  async verifyAndEnable(user: AuthenticatedUser, code: string, requestId?: string): Promise<TotpStatus> {
    return this.transactions.run(async (manager) => {
      const current = await this.checkCode(manager, user.userId, code, { allowPending: true });
      if (current.totpEnabledAt) {
        return { enabled: true, enabledAt: current.totpEnabledAt, withdrawalsLockedUntil: current.withdrawalsLockedUntil };
      }
      const now = this.clock.now();
      const lockUntil = new Date(now.getTime() + this.config.WITHDRAWAL_LOCK_HOURS * 3_600_000);
      const enabled = await this.users.enableTotp(user.userId, now, lockUntil, manager);
      if (!enabled) throw AuthErrors.totpNotEnrolled();
      await this.audit.record(manager, {
        actor: user,
        action: 'user.totp_enabled',
        entityType: 'user',
        entityId: user.userId,
        before: { totpEnabled: false, withdrawalsLockedUntil: current.withdrawalsLockedUntil },
        after: { totpEnabled: true, withdrawalsLockedUntil: enabled.withdrawalsLockedUntil },
        requestId,
      });
      return { enabled: true, enabledAt: enabled.totpEnabledAt, withdrawalsLockedUntil: enabled.withdrawalsLockedUntil };
    });
  }

  /**
   * Step-up check for other modules: the user must have TOTP enabled and `code` must be valid
   * and unused. Pass the caller's transaction manager so the code is consumed only if the
   * action commits. Throws AUTH.TOTP_NOT_ENABLED / TOTP_INVALID / TOTP_REPLAYED / TOTP_LOCKED.
   * Failed attempts are counted on their own connection (a rolled-back caller cannot erase
   * them); callers do not lock the users row themselves (they cannot: auth owns it).
   */
  async verifyTotp(userId: string, code: string, manager?: EntityManager): Promise<void> {
    if (manager) {
      await this.checkCode(manager, userId, code, { allowPending: false });
      return;
    }
    await this.transactions.run((m) => this.checkCode(m, userId, code, { allowPending: false }));
  }

  private async checkCode(manager: EntityManager, userId: string, code: string, options: { allowPending: boolean }): Promise<UserRecord> {
    const user = await this.users.findById(userId, manager);
    if (!user) throw AuthErrors.userNotFound();
    if (!user.totpSecretEnc) throw options.allowPending ? AuthErrors.totpNotEnrolled() : AuthErrors.totpNotEnabled();
    if (!user.totpEnabledAt && !options.allowPending) throw AuthErrors.totpNotEnabled();
    const now = this.clock.now();
    this.assertNotLocked(user.totpLockedUntil, now);

    const match = await matchTotpStep(this.cipher.decrypt(user.totpSecretEnc, user.id), code, now, user.totpLastStep);
    if (match.kind === 'invalid') return this.fail(userId, now, AuthErrors.totpInvalid());
    if (match.kind === 'replayed') return this.fail(userId, now, AuthErrors.totpReplayed());
    if (await this.users.consumeTotpStep(userId, match.step, now, manager)) return user;
    // Lost the race to a concurrent use of the same code (or a lockout landed meanwhile). Not
    // counted as a failure: whoever sent it knew the code; and this transaction may now hold
    // the row lock, which the separate failure write would wait for.
    const fresh = await this.users.findById(userId, manager);
    this.assertNotLocked(fresh?.totpLockedUntil ?? null, now);
    throw AuthErrors.totpReplayed();
  }

  private assertNotLocked(lockedUntil: Date | null, now: Date): void {
    if (lockedUntil && lockedUntil.getTime() > now.getTime()) {
      throw AuthErrors.totpLocked(Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
    }
  }

  /**
   * Counts the failure on its own connection and commits it, whatever the caller's transaction
   * does next. Reached only before this check locked the user's row.
   */
  private async fail(userId: string, now: Date, error: Error): Promise<never> {
    const lockUntil = new Date(now.getTime() + this.config.TOTP_LOCKOUT_MINUTES * 60_000);
    try {
      await this.users.recordTotpFailureOnOwnConnection(userId, this.config.TOTP_MAX_FAILURES, lockUntil);
    } catch (countError) {
      this.logger.error(`could not count a failed TOTP attempt for user ${userId}: ${(countError as Error).message}`);
    }
    throw error;
  }
}
