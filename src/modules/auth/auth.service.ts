import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { AuthErrors } from './auth.errors.js';
import { normalizeEmail } from './admin-accounts.service.js';
import { PasswordHasher } from '../../common/auth/password-hasher.js';
import { RateLimiter } from '../../common/rate-limit/rate-limiter.js';
import { type TokenPair, TokenService } from './token.service.js';
import { TotpService } from './totp.service.js';
import { toProfile, type UserProfile } from './users.service.js';
import { UsersRepository } from './users.repository.js';

export interface RequestMeta {
  ip: string;
  requestId?: string;
}

export interface SignedIn {
  user: UserProfile;
  tokens: TokenPair;
}

/** Sign-up, sign-in, password change and staff accounts. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly totp: TotpService,
    private readonly limiter: RateLimiter,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Public sign-up: always a customer. The account and its audit entry commit together. */
  async register(input: { email: string; password: string; displayName?: string }, meta: RequestMeta): Promise<SignedIn> {
    await this.limiter.hit(
      { bucket: 'register-ip', describe: 'from this address', limit: this.config.REGISTER_IP_RATE_LIMIT_PER_HOUR, windowMs: 3_600_000 },
      meta.ip,
    );
    const passwordHash = await this.hasher.hash(input.password);
    return this.transactions.run(async (manager) => {
      const user = await this.users.insertIfEmailFree(
        {
          email: normalizeEmail(input.email),
          passwordHash,
          role: 'customer',
          displayName: input.displayName ?? null,
          now: this.clock.now(),
        },
        manager,
      );
      if (!user) throw AuthErrors.emailTaken();
      await this.audit.record(manager, {
        actor: { userId: user.id, role: 'customer' },
        action: 'user.registered',
        entityType: 'user',
        entityId: user.id,
        after: { email: user.email, role: user.role, displayName: user.displayName },
        requestId: meta.requestId,
      });
      return { user: toProfile(user), tokens: await this.tokens.issue(manager, user) };
    });
  }

  /**
   * Email + password (+ TOTP code when enabled). Attempts are limited per email and per IP
   * before any hashing; every failure is the same AUTH.INVALID_CREDENTIALS, whether or not
   * the account exists.
   */
  async login(input: { email: string; password: string; totpCode?: string }, meta: RequestMeta): Promise<SignedIn> {
    const email = normalizeEmail(input.email);
    await this.limiter.hit({ bucket: 'login-ip', describe: 'from this address', limit: this.config.LOGIN_IP_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 }, meta.ip);
    await this.limiter.hit({ bucket: 'login-email', describe: 'for this account', limit: this.config.LOGIN_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 }, email);

    const user = await this.users.findByEmail(email);
    const ok = user ? await this.hasher.verify(user.passwordHash, input.password) : await this.hasher.verifyAgainstNothing(input.password);
    if (!user || !ok) throw AuthErrors.invalidCredentials();
    if (user.status !== 'active') throw AuthErrors.accountDisabled();

    return this.transactions.run(async (manager) => {
      if (user.totpEnabledAt) {
        if (!input.totpCode) throw AuthErrors.totpRequired();
        await this.totp.verifyTotp(user.id, input.totpCode, manager);
      }
      return { user: toProfile(user), tokens: await this.tokens.issue(manager, user) };
    });
  }

  /**
   * New password: every session is signed out and withdrawals lock for WITHDRAWAL_LOCK_HOURS,
   * so a stolen password or session cannot be turned into an immediate payout.
   */
  async changePassword(
    caller: AuthenticatedUser,
    input: { currentPassword: string; newPassword: string; totpCode?: string },
    meta: RequestMeta,
  ): Promise<void> {
    await this.limiter.hit(
      { bucket: 'password-user', describe: 'for this account', limit: this.config.LOGIN_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 },
      caller.userId,
    );
    const user = await this.users.findById(caller.userId);
    if (!user) throw AuthErrors.userNotFound();
    if (!(await this.hasher.verify(user.passwordHash, input.currentPassword))) throw AuthErrors.invalidCredentials();
    const newHash = await this.hasher.hash(input.newPassword);
    await this.transactions.run(async (manager) => {
      if (user.totpEnabledAt) {
        if (!input.totpCode) throw AuthErrors.totpRequired();
        await this.totp.verifyTotp(user.id, input.totpCode, manager);
      }
      const now = this.clock.now();
      const lockUntil = new Date(now.getTime() + this.config.WITHDRAWAL_LOCK_HOURS * 3_600_000);
      await this.users.updatePassword(user.id, newHash, lockUntil, now, manager);
      await this.tokens.revokeAllOfUser(manager, user.id, 'password_change');
      await this.audit.record(manager, {
        actor: caller,
        action: 'user.password_changed',
        entityType: 'user',
        entityId: user.id,
        before: { withdrawalsLockedUntil: user.withdrawalsLockedUntil },
        after: { withdrawalsLockedUntil: lockUntil },
        requestId: meta.requestId,
      });
    });
  }
}
