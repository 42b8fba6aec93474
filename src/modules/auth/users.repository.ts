import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { columnsOf, mapRows, queryEntities, resultRows, setLocal } from '../../database/data-access.js';
import type { Role } from '../../common/auth/roles.js';
import { User } from './entities/user.entity.js';

/** A users row as the auth module reads it (never leaves the module: see UserProfile). */
export type UserRecord = User;

export interface NewUser {
  email: string;
  passwordHash: string;
  role: Role;
  displayName: string | null;
  now: Date;
}

/** SQL for the users table. Every method runs on the manager it is given (the caller's transaction). */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts unless the email is taken (concurrent sign-ups race on the unique index, not on a read). */
  async insertIfEmailFree(user: NewUser, manager: EntityManager = this.dataSource.manager): Promise<UserRecord | undefined> {
    const [created] = await queryEntities(
      manager,
      User,
      `INSERT INTO users (email, password_hash, role, display_name, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (email) DO NOTHING
       RETURNING ${columnsOf(manager, User)}`,
      [user.email, user.passwordHash, user.role, user.displayName, user.now],
    );
    return created;
  }

  /**
   * Seeding: inserts customers whose email is free in one statement (all share one password
   * hash), and returns the rows it created. Existing emails are left alone.
   */
  async insertCustomersIfEmailFree(
    users: { email: string; displayName: string | null }[],
    passwordHash: string,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ id: string; email: string }[]> {
    return manager.query(
      `INSERT INTO users (email, password_hash, role, display_name, created_at, updated_at)
       SELECT u.email, $3, 'customer', u.display_name, $4, $4 FROM unnest($1::text[], $2::text[]) AS u(email, display_name)
       ON CONFLICT (email) DO NOTHING
       RETURNING id, email`,
      [users.map((u) => u.email), users.map((u) => u.displayName), passwordHash, now],
    );
  }

  /** Ids of the customers among the given emails. */
  async findCustomerIds(emails: string[], manager: EntityManager = this.dataSource.manager): Promise<{ id: string; email: string }[]> {
    return manager.query(`SELECT id, email FROM users WHERE email = ANY($1::text[]) AND role = 'customer'`, [emails]);
  }

  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<UserRecord | undefined> {
    const [user] = await queryEntities(manager, User, `SELECT ${columnsOf(manager, User)} FROM users WHERE id = $1`, [id]);
    return user;
  }

  async findByEmail(email: string, manager: EntityManager = this.dataSource.manager): Promise<UserRecord | undefined> {
    const [user] = await queryEntities(manager, User, `SELECT ${columnsOf(manager, User)} FROM users WHERE email = $1`, [email]);
    return user;
  }

  async updateDisplayName(
    id: string,
    displayName: string | null,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<UserRecord | undefined> {
    const [user] = await queryEntities(
      manager,
      User,
      `UPDATE users SET display_name = $2, updated_at = $3 WHERE id = $1 RETURNING ${columnsOf(manager, User)}`,
      [id, displayName, now],
    );
    return user;
  }

  /** New password hash; withdrawals lock is extended, never shortened. */
  async updatePassword(
    id: string,
    passwordHash: string,
    withdrawalsLockedUntil: Date,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(
      `UPDATE users SET password_hash = $2,
         withdrawals_locked_until = GREATEST(COALESCE(withdrawals_locked_until, $3), $3),
         updated_at = $4
       WHERE id = $1`,
      [id, passwordHash, withdrawalsLockedUntil, now],
    );
  }

  /** Stores a new pending secret; refused (false) once TOTP is enabled. */
  async startTotpEnrolment(id: string, secretEnc: string, now: Date, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const result: unknown = await manager.query(
      `UPDATE users SET totp_secret_enc = $2, totp_last_step = NULL, totp_failed_attempts = 0, updated_at = $3
       WHERE id = $1 AND totp_enabled_at IS NULL RETURNING id`,
      [id, secretEnc, now],
    );
    return resultRows(result).length === 1;
  }

  /**
   * Records `step` as the last accepted one, only if it is newer than the stored one and the
   * user is not locked out. The row lock makes concurrent uses of one code race here: exactly
   * one UPDATE matches, the other finds the step already taken.
   */
  async consumeTotpStep(id: string, step: bigint, now: Date, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const result: unknown = await manager.query(
      `UPDATE users SET totp_last_step = $2, totp_failed_attempts = 0, updated_at = $3
       WHERE id = $1
         AND (totp_last_step IS NULL OR totp_last_step < $2)
         AND (totp_locked_until IS NULL OR totp_locked_until <= $3)
       RETURNING id`,
      [id, step.toString(), now],
    );
    return resultRows(result).length === 1;
  }

  /** One more failure; the one that reaches `maxFailures` locks until `lockUntil` and restarts the count. */
  async recordTotpFailure(id: string, maxFailures: number, lockUntil: Date, manager: EntityManager = this.dataSource.manager): Promise<Date | null> {
    const result: unknown = await manager.query(
      `UPDATE users SET
         totp_locked_until = CASE WHEN totp_failed_attempts + 1 >= $2 THEN $3 ELSE totp_locked_until END,
         totp_failed_attempts = CASE WHEN totp_failed_attempts + 1 >= $2 THEN 0 ELSE totp_failed_attempts + 1 END
       WHERE id = $1
       RETURNING ${columnsOf(manager, User, undefined, ['totpLockedUntil'])}`,
      [id, maxFailures, lockUntil],
    );
    return mapRows(manager, User, resultRows(result))[0]?.totpLockedUntil ?? null;
  }

  /**
   * recordTotpFailure in a transaction of its own, committed whatever the caller's transaction
   * does next; a caller holding the user's row must not make it wait forever (lock_timeout).
   */
  async recordTotpFailureOnOwnConnection(id: string, maxFailures: number, lockUntil: Date): Promise<Date | null> {
    return this.dataSource.transaction(async (own) => {
      await setLocal(own, { lock_timeout: '2s' });
      return this.recordTotpFailure(id, maxFailures, lockUntil, own);
    });
  }

  /** First accepted code: TOTP becomes required; withdrawals lock is extended, never shortened. */
  async enableTotp(id: string, now: Date, withdrawalsLockedUntil: Date, manager: EntityManager = this.dataSource.manager): Promise<UserRecord | undefined> {
    const [user] = await queryEntities(
      manager,
      User,
      `UPDATE users SET totp_enabled_at = $2,
         withdrawals_locked_until = GREATEST(COALESCE(withdrawals_locked_until, $3), $3),
         updated_at = $2
       WHERE id = $1 AND totp_enabled_at IS NULL AND totp_secret_enc IS NOT NULL
       RETURNING ${columnsOf(manager, User)}`,
      [id, now, withdrawalsLockedUntil],
    );
    return user;
  }

  async anyAdminExists(manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows = await manager.query<{ exists: boolean }[]>(`SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin') AS exists`);
    return rows[0].exists;
  }

  /** Serialises first-admin creation across processes starting at the same time. */
  async lockAdminBootstrap(manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('hashmarket.create-first-admin'))`);
  }
}
