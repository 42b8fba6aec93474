import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user.js';
import { Roles } from '../../common/auth/roles.js';
import { AdminAccountsService } from './admin-accounts.service.js';
import type { RequestMeta } from './auth.service.js';
import { CreateStaffUserDto } from './dto/create-staff-user.dto.js';
import { UserProfileDto } from './dto/user-profile.dto.js';
import { Meta } from './request-meta.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly accounts: AdminAccountsService) {}

  @Roles('admin')
  @Post()
  @ApiOperation({ summary: 'Create a staff user (operator, finance or admin); audit-logged' })
  @ApiCreatedResponse({ type: UserProfileDto })
  async create(@CurrentUser() admin: AuthenticatedUser, @Body() body: CreateStaffUserDto, @Meta() meta: RequestMeta): Promise<UserProfileDto> {
    return UserProfileDto.from(await this.accounts.createStaffUser(admin, body, meta.requestId));
  }
}
