import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { StaffRole } from '../admin-accounts.service.js';
import { DisplayNameField, EmailField, NewPasswordField } from './fields.js';

const STAFF_ROLES: StaffRole[] = ['operator', 'finance', 'admin'];

export class CreateStaffUserDto {
  @EmailField()
  email: string;

  @NewPasswordField()
  password: string;

  @ApiProperty({ enum: STAFF_ROLES })
  @IsIn(STAFF_ROLES, { message: `role must be one of ${STAFF_ROLES.join(', ')}` })
  role: StaffRole;

  @IsOptional()
  @DisplayNameField(false)
  displayName?: string;
}
