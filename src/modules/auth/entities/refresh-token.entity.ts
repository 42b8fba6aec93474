import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity.js';

/**
 * One refresh token of a sign-in session. Only its SHA-256 is stored. Every use rotates it
 * (rotated_at set, a successor issued in the same family); presenting a rotated token again
 * means it leaked, and the whole family is revoked.
 */
@Entity('refresh_tokens')
@Index('uq_refresh_tokens_token_hash', ['tokenHash'], { unique: true })
@Index('idx_refresh_tokens_family', ['familyId'])
@Index('idx_refresh_tokens_user', ['userId'])
@Index('idx_refresh_tokens_expires_at', ['expiresAt'])
@Check('ck_refresh_tokens_token_hash', `token_hash ~ '^[0-9a-f]{64}$'`)
@Check('ck_refresh_tokens_expiry', `expires_at > created_at`)
export class RefreshToken {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_refresh_tokens_user' })
  user?: User;

  /** All tokens descending from one sign-in share it; revocation is per family. */
  @Column({ type: 'uuid', name: 'family_id' })
  familyId: string;

  /** Lower-case hex SHA-256 of the opaque token; the token itself is never stored. */
  @Column({ type: 'text', name: 'token_hash' })
  tokenHash: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  /** When it was exchanged for its successor; a second exchange is reuse. */
  @Column({ type: 'timestamptz', name: 'rotated_at', nullable: true })
  rotatedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  /** logout, reuse, password_change, user_disabled */
  @Column({ type: 'text', name: 'revoked_reason', nullable: true })
  revokedReason: string | null;
}
