import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Role } from '../../common/auth/roles.js';

/** A users row as the auth module reads it (never leaves the module: see UserProfile). */
export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  role: Role;
  displayName: string | null;
  status: 'active' | 'disabled';
  totpSecretEnc: string | null;
  totpEnabledAt: Date | null;
  totpLastStep: bigint | null;
  totpFailedAttempts: number;
  totpLockedUntil: Date | null;
  withdrawalsLockedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  display_name: string | null;
  status: 'active' | 'disabled';
  totp_secret_enc: string | null;
  totp_enabled_at: Date | null;
  totp_last_step: string | null;
  totp_failed_attempts: number;
  totp_locked_until: Date | null;
  withdrawals_locked_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toRecord = (row: UserRow): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  role: row.role,
  displayName: row.display_name,
  status: row.status,
  totpSecretEnc: row.totp_secret_enc,
  totpEnabledAt: row.totp_enabled_at,
  totpLastStep: row.totp_last_step === null ? null : BigInt(row.totp_last_step),
  totpFailedAttempts: row.totp_failed_attempts,
  totpLockedUntil: row.totp_locked_until,
  withdrawalsLockedUntil: row.withdrawals_locked_until,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** UPDATE ... RETURNING through TypeORM's query() yields [rows, count]; plain SELECT/INSERT yield rows. */
function returned<T>(result: unknown): T[] {
  return (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result) as T[];
}

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
  /** Inserts unless the email is taken (concurrent sign-ups race on the unique index, not on a read). */
  async insertIfEmailFree(manager: EntityManager, user: NewUser): Promise<UserRecord | undefined> {
    const rows = await manager.query<UserRow[]>(
      `INSERT INTO users (email, password_hash, role, display_name, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (email) DO NOTHING
       RETURNING *`,
      [user.email, user.passwordHash, user.role, user.displayName, user.now],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * Seeding: inserts customers whose email is free in one statement (all share one password
   * hash), and returns the rows it created. Existing emails are left alone.
   */
  async insertCustomersIfEmailFree(manager: EntityManager, users: { email: string; displayName: string | null }[], passwordHash: string, now: Date): Promise<{ id: string; email: string }[]> {
    return manager.query(
      `INSERT INTO users (email, password_hash, role, display_name, created_at, updated_at)
       SELECT u.email, $3, 'customer', u.display_name, $4, $4 FROM unnest($1::text[], $2::text[]) AS u(email, display_name)
       ON CONFLICT (email) DO NOTHING
       RETURNING id, email`,
      [users.map((u) => u.email), users.map((u) => u.displayName), passwordHash, now],
    );
  }

  /** Ids of the customers among the given emails. */
  async findCustomerIds(manager: EntityManager, emails: string[]): Promise<{ id: string; email: string }[]> {
    return manager.query(`SELECT id, email FROM users WHERE email = ANY($1::text[]) AND role = 'customer'`, [emails]);
  }

  async findById(manager: EntityManager, id: string): Promise<UserRecord | undefined> {
    const rows = await manager.query<UserRow[]>(`SELECT * FROM users WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findByEmail(manager: EntityManager, email: string): Promise<UserRecord | undefined> {
    const rows = await manager.query<UserRow[]>(`SELECT * FROM users WHERE email = $1`, [email]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async updateDisplayName(manager: EntityManager, id: string, displayName: string | null, now: Date): Promise<UserRecord | undefined> {
    const result = await manager.query(`UPDATE users SET display_name = $2, updated_at = $3 WHERE id = $1 RETURNING *`, [id, displayName, now]);
    const rows = returned<UserRow>(result);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** New password hash; withdrawals lock is extended, never shortened. */
  async updatePassword(manager: EntityManager, id: string, passwordHash: string, withdrawalsLockedUntil: Date, now: Date): Promise<void> {
    await manager.query(
      `UPDATE users SET password_hash = $2,
         withdrawals_locked_until = GREATEST(COALESCE(withdrawals_locked_until, $3), $3),
         updated_at = $4
       WHERE id = $1`,
      [id, passwordHash, withdrawalsLockedUntil, now],
    );
  }

  /** Stores a new pending secret; refused (false) once TOTP is enabled. */
  async startTotpEnrolment(manager: EntityManager, id: string, secretEnc: string, now: Date): Promise<boolean> {
    const result = await manager.query(
      `UPDATE users SET totp_secret_enc = $2, totp_last_step = NULL, totp_failed_attempts = 0, updated_at = $3
       WHERE id = $1 AND totp_enabled_at IS NULL RETURNING id`,
      [id, secretEnc, now],
    );
    return returned(result).length === 1;
  }

  /**
   * Records `step` as the last accepted one, only if it is newer than the stored one and the
   * user is not locked out. The row lock makes concurrent uses of one code race here: exactly
   * one UPDATE matches, the other finds the step already taken.
   */
  async consumeTotpStep(manager: EntityManager, id: string, step: bigint, now: Date): Promise<boolean> {
    const result = await manager.query(
      `UPDATE users SET totp_last_step = $2, totp_failed_attempts = 0, updated_at = $3
       WHERE id = $1
         AND (totp_last_step IS NULL OR totp_last_step < $2)
         AND (totp_locked_until IS NULL OR totp_locked_until <= $3)
       RETURNING id`,
      [id, step.toString(), now],
    );
    return returned(result).length === 1;
  }

  /** One more failure; the one that reaches `maxFailures` locks until `lockUntil` and restarts the count. */
  async recordTotpFailure(manager: EntityManager, id: string, maxFailures: number, lockUntil: Date): Promise<Date | null> {
    const result = await manager.query(
      `UPDATE users SET
         totp_locked_until = CASE WHEN totp_failed_attempts + 1 >= $2 THEN $3 ELSE totp_locked_until END,
         totp_failed_attempts = CASE WHEN totp_failed_attempts + 1 >= $2 THEN 0 ELSE totp_failed_attempts + 1 END
       WHERE id = $1
       RETURNING totp_locked_until`,
      [id, maxFailures, lockUntil],
    );
    return returned<{ totp_locked_until: Date | null }>(result)[0]?.totp_locked_until ?? null;
  }

  /** First accepted code: TOTP becomes required; withdrawals lock is extended, never shortened. */
  async enableTotp(manager: EntityManager, id: string, now: Date, withdrawalsLockedUntil: Date): Promise<UserRecord | undefined> {
    const result = await manager.query(
      `UPDATE users SET totp_enabled_at = $2,
         withdrawals_locked_until = GREATEST(COALESCE(withdrawals_locked_until, $3), $3),
         updated_at = $2
       WHERE id = $1 AND totp_enabled_at IS NULL AND totp_secret_enc IS NOT NULL
       RETURNING *`,
      [id, now, withdrawalsLockedUntil],
    );
    const rows = returned<UserRow>(result);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async anyAdminExists(manager: EntityManager): Promise<boolean> {
    const rows = await manager.query<{ exists: boolean }[]>(`SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin') AS exists`);
    return rows[0].exists;
  }

  /** Serialises first-admin creation across processes starting at the same time. */
  async lockAdminBootstrap(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('hashmarket.create-first-admin'))`);
  }
}
