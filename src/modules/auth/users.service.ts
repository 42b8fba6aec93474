import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Role } from '../../common/auth/roles.js';
import { Clock } from '../../common/clock/clock.js';
import { AuditService } from '../audit/audit.service.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuthErrors } from './auth.errors.js';
import { UsersRepository, type UserRecord } from './users.repository.js';

/** What other modules may know about a user: no hashes, no secrets. */
export interface UserProfile {
  id: string;
  email: string;
  role: Role;
  displayName: string | null;
  status: 'active' | 'disabled';
  totpEnabled: boolean;
  /** Withdrawals are refused until then (set by a password change or enabling TOTP). */
  withdrawalsLockedUntil: Date | null;
  createdAt: Date;
}

export function toProfile(user: UserRecord): UserProfile {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    displayName: user.displayName,
    status: user.status,
    totpEnabled: user.totpEnabledAt !== null,
    withdrawalsLockedUntil: user.withdrawalsLockedUntil,
    createdAt: user.createdAt,
  };
}

/** Exported: profiles and account state for other modules (customers, withdrawals). */
@Injectable()
export class UsersService {
  constructor(
    private readonly repository: UsersRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** The user's own profile; AUTH.USER_NOT_FOUND (404) when the id is unknown. */
  async profile(userId: string, manager?: EntityManager): Promise<UserProfile> {
    const user = await this.repository.findById(userId, manager);
    if (!user) throw AuthErrors.userNotFound();
    return toProfile(user);
  }

  /** A user's profile by email (case-insensitive), or null. */
  async findByEmail(email: string): Promise<UserProfile | null> {
    const user = await this.repository.findByEmail(email.trim().toLowerCase());
    return user ? toProfile(user) : null;
  }

  /** Changes the display name; audited when someone other than the user does it. */
  async updateDisplayName(userId: string, displayName: string, actor: { userId: string; role: Role }, requestId?: string): Promise<UserProfile> {
    return this.transactions.run(async (manager) => {
      const before = await this.repository.findById(userId, manager);
      if (!before) throw AuthErrors.userNotFound();
      const after = await this.repository.updateDisplayName(userId, displayName, this.clock.now(), manager);
      if (!after) throw AuthErrors.userNotFound();
      if (actor.userId !== userId) {
        await this.audit.record(manager, {
          actor,
          action: 'user.profile_updated',
          entityType: 'user',
          entityId: userId,
          before: { displayName: before.displayName },
          after: { displayName: after.displayName },
          requestId,
        });
      }
      return toProfile(after);
    });
  }

  /** True while withdrawals must be refused for this user (recent password or TOTP change). */
  async withdrawalsLocked(userId: string, manager?: EntityManager): Promise<{ locked: boolean; until: Date | null }> {
    const profile = await this.profile(userId, manager);
    const until = profile.withdrawalsLockedUntil;
    return { locked: until !== null && until.getTime() > this.clock.now().getTime(), until };
  }
}
