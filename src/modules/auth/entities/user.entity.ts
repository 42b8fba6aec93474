import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '../../../common/auth/roles.js';
import { BigIntColumn } from '../../../common/money/columns.js';

/** A person who signs in: a customer or a staff member (operator, finance, admin). */
@Entity('users')
@Index('uq_users_email', ['email'], { unique: true })
@Check('ck_users_role', `role IN ('customer', 'operator', 'finance', 'admin')`)
@Check('ck_users_email_lower', `email = lower(email)`)
@Check('ck_users_status', `status IN ('active', 'disabled')`)
@Check('ck_users_totp_failed_attempts', `totp_failed_attempts >= 0`)
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stored lower-cased; uniqueness is on this column. */
  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text', name: 'password_hash' })
  passwordHash: string;

  @Column({ type: 'text' })
  role: Role;

  @Column({ type: 'text', name: 'display_name', nullable: true })
  displayName: string | null;

  @Column({ type: 'text', default: 'active' })
  status: 'active' | 'disabled';

  /** TOTP secret, AES-256-GCM encrypted with TOTP_ENCRYPTION_KEY; null until enrolment starts. */
  @Column({ type: 'text', name: 'totp_secret_enc', nullable: true })
  totpSecretEnc: string | null;

  @Column({ type: 'timestamptz', name: 'totp_enabled_at', nullable: true })
  totpEnabledAt: Date | null;

  /** Last accepted TOTP time step: a code is accepted once, never replayed within its window. */
  @BigIntColumn({ name: 'totp_last_step', nullable: true })
  totpLastStep: bigint | null;

  /** Consecutive wrong or replayed TOTP codes; reset by an accepted code or a lockout. */
  @Column({ type: 'integer', name: 'totp_failed_attempts', default: 0 })
  totpFailedAttempts: number;

  /** After TOTP_MAX_FAILURES consecutive failures no code is accepted until then. */
  @Column({ type: 'timestamptz', name: 'totp_locked_until', nullable: true })
  totpLockedUntil: Date | null;

  /** Set when the password or TOTP changes: withdrawals stay locked until then. */
  @Column({ type: 'timestamptz', name: 'withdrawals_locked_until', nullable: true })
  withdrawalsLockedUntil: Date | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
