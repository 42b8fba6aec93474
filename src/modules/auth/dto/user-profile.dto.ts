import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../../../common/auth/roles.js';
import type { UserProfile } from '../users.service.js';

/** A user as the API shows it (the caller's own, or a staff account to an admin). */
export class UserProfileDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  email: string;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ type: String, nullable: true })
  displayName: string | null;

  @ApiProperty({ enum: ['active', 'disabled'] })
  status: 'active' | 'disabled';

  @ApiProperty()
  totpEnabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Withdrawals are refused until then' })
  withdrawalsLockedUntil: Date | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  static from(profile: UserProfile): UserProfileDto {
    return Object.assign(new UserProfileDto(), profile);
  }
}
