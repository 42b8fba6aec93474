import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import type { Role } from '../../common/auth/roles.js';
import { Clock } from '../../common/clock/clock.js';
import { TransactionRunner } from '../../database/transaction.js';
import { type AuditActor, AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js';
import { AuthErrors } from './auth.errors.js';
import { PasswordHasher } from '../../common/auth/password-hasher.js';
import { toProfile, type UserProfile } from './users.service.js';
import { UsersRepository } from './users.repository.js';

export type StaffRole = Exclude<Role, 'customer'>;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Staff accounts: created by an admin over HTTP, or the first admin from the CLI / env. */
@Injectable()
export class AdminAccountsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** An admin creates a staff account (operator, finance or admin), audited with the admin as actor. */
  async createStaffUser(
    admin: AuthenticatedUser,
    input: { email: string; password: string; role: StaffRole; displayName?: string },
    requestId?: string,
  ): Promise<UserProfile> {
    const passwordHash = await this.hasher.hash(input.password);
    return this.transactions.run(async (manager) => {
      const user = await this.users.insertIfEmailFree(
        {
          email: normalizeEmail(input.email),
          passwordHash,
          role: input.role,
          displayName: input.displayName ?? null,
          now: this.clock.now(),
        },
        manager,
      );
      if (!user) throw AuthErrors.emailTaken();
      await this.audit.record(manager, {
        actor: admin,
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        after: { email: user.email, role: user.role, displayName: user.displayName },
        requestId,
      });
      return toProfile(user);
    });
  }

  /**
   * Creates customer accounts in bulk outside HTTP (the demo seed and the simulation; the public
   * sign-up route is rate-limited per IP). One password hash for all, hashed once by the caller
   * with PasswordHasher. Existing emails are kept as they are; each new account is audited as
   * `user.created` with the given actor. Returns the customer id of every email given.
   */
  async ensureCustomers(actor: AuditActor, customers: { email: string; displayName?: string }[], passwordHash: string): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (let i = 0; i < customers.length; i += 1000) {
      const batch = customers.slice(i, i + 1000).map((c) => ({ email: normalizeEmail(c.email), displayName: c.displayName ?? null }));
      await this.transactions.run(async (manager) => {
        const created = await this.users.insertCustomersIfEmailFree(batch, passwordHash, this.clock.now(), manager);
        for (const user of created) {
          await this.audit.record(manager, {
            actor,
            action: 'user.created',
            entityType: 'user',
            entityId: user.id,
            after: { email: user.email, role: 'customer', source: 'seed' },
          });
        }
        for (const user of await this.users.findCustomerIds(
          batch.map((c) => c.email),
          manager,
        ))
          ids.set(user.email, user.id);
      });
    }
    return ids;
  }

  /**
   * Creates an admin outside HTTP (CLI, or env on first start). Idempotent: an existing admin
   * with that email is left as it is. With `onlyIfNoAdmin`, nothing happens once any admin
   * exists. An email held by a non-admin is refused, never silently promoted.
   */
  async ensureAdmin(
    input: { email: string; password: string; source: 'cli' | 'env' },
    options: { onlyIfNoAdmin: boolean },
  ): Promise<{ created: boolean; userId?: string; reason?: string }> {
    const email = normalizeEmail(input.email);
    const passwordHash = await this.hasher.hash(input.password);
    return this.transactions.run(async (manager) => {
      // Two processes starting together must not both create one.
      await this.users.lockAdminBootstrap(manager);
      if (options.onlyIfNoAdmin && (await this.users.anyAdminExists(manager))) return { created: false, reason: 'an admin already exists' };
      const existing = await this.users.findByEmail(email, manager);
      if (existing) {
        if (existing.role !== 'admin') throw AuthErrors.adminEmailTaken();
        return { created: false, userId: existing.id, reason: 'this admin already exists' };
      }
      const user = await this.users.insertIfEmailFree({ email, passwordHash, role: 'admin', displayName: null, now: this.clock.now() }, manager);
      if (!user) throw AuthErrors.emailTaken();
      await this.audit.record(manager, {
        actor: SYSTEM_ACTOR,
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        after: { email: user.email, role: user.role, source: input.source },
      });
      return { created: true, userId: user.id };
    });
  }
}
