import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { RateLimiter } from '../../common/rate-limit/rate-limiter.js';
import { TotpService } from '../auth/totp.service.js';
import { UsersService } from '../auth/users.service.js';
import { PayoutsErrors } from './payouts.errors.js';

/** Where a request came from: the IP for per-IP limits, the id for audit entries. */
export interface RequestContext {
  ip: string;
  requestId: string;
}

const HOUR_MS = 3_600_000;

/**
 * The checks every money-directing customer action passes: a fresh TOTP code (a stolen access
 * token alone is not enough), the account's withdrawal lock after a credential change, and
 * per-account and per-IP rate limits shared by all API instances (Redis).
 */
@Injectable()
export class PayoutGuard {
  constructor(
    private readonly totp: TotpService,
    private readonly users: UsersService,
    private readonly limiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Consumes a TOTP code inside the caller's transaction: it counts as used only if the action
   * commits; wrong codes are counted (and lock out) on their own connection regardless.
   */
  async requireTotp(userId: string, code: string, manager?: EntityManager): Promise<void> {
    await this.totp.verifyTotp(userId, code, manager);
  }

  /** Refuses while withdrawals are locked after a password or TOTP change. */
  async assertAccountUnlocked(userId: string, manager?: EntityManager): Promise<void> {
    const lock = await this.users.withdrawalsLocked(userId, manager);
    if (lock.locked && lock.until) throw PayoutsErrors.accountTimeLocked(lock.until);
  }

  /** The end of the account's withdrawal lock while it runs, else null. */
  async accountLockedUntil(userId: string, manager?: EntityManager): Promise<Date | null> {
    const lock = await this.users.withdrawalsLocked(userId, manager);
    return lock.locked ? lock.until : null;
  }

  async customerEmail(userId: string, manager?: EntityManager): Promise<string> {
    return (await this.users.profile(userId, manager)).email;
  }

  async limitAddressChange(userId: string, ip: string): Promise<void> {
    await this.limiter.hit(
      {
        bucket: 'payout-address-user',
        describe: 'changing payout addresses on this account',
        limit: this.config.PAYOUT_ADDRESS_RATE_LIMIT_PER_HOUR,
        windowMs: HOUR_MS,
      },
      userId,
    );
    await this.limiter.hit(
      { bucket: 'payouts-ip', describe: 'on payout actions from this address', limit: this.config.PAYOUT_IP_RATE_LIMIT_PER_HOUR, windowMs: HOUR_MS },
      ip,
    );
  }

  async limitWithdrawal(userId: string, ip: string): Promise<void> {
    await this.limiter.hit(
      { bucket: 'withdrawal-user', describe: 'requesting withdrawals on this account', limit: this.config.WITHDRAWAL_RATE_LIMIT_PER_HOUR, windowMs: HOUR_MS },
      userId,
    );
    await this.limiter.hit(
      { bucket: 'payouts-ip', describe: 'on payout actions from this address', limit: this.config.PAYOUT_IP_RATE_LIMIT_PER_HOUR, windowMs: HOUR_MS },
      ip,
    );
  }
}
