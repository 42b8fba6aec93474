import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../../../common/auth/roles.js';
import type { UserProfile } from '../../auth/users.service.js';

/** The caller's own account. */
export class MeDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  email: string;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ type: String, nullable: true })
  displayName: string | null;

  @ApiProperty()
  totpEnabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Withdrawals are refused until then' })
  withdrawalsLockedUntil: Date | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  static from(profile: UserProfile): MeDto {
    const { id, email, role, displayName, totpEnabled, withdrawalsLockedUntil, createdAt } = profile;
    return Object.assign(new MeDto(), { id, email, role, displayName, totpEnabled, withdrawalsLockedUntil, createdAt });
  }
}
