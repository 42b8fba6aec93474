import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user.js';
import { Authenticated } from '../../common/auth/roles.js';
import { UsersService } from '../auth/users.service.js';
import { MeDto } from './dto/me.dto.js';
import { UpdateProfileDto } from './dto/update-profile.dto.js';

/** The caller's own profile: the id comes from the token only, so nobody can read another's. */
@ApiTags('me')
@ApiBearerAuth()
@Controller('me')
export class CustomersController {
  constructor(private readonly users: UsersService) {}

  @Authenticated()
  @Get()
  @ApiOperation({ summary: 'Your account' })
  @ApiOkResponse({ type: MeDto })
  async me(@CurrentUser() caller: AuthenticatedUser): Promise<MeDto> {
    return MeDto.from(await this.users.profile(caller.userId));
  }

  @Authenticated()
  @Patch()
  @ApiOperation({ summary: 'Update your display name' })
  @ApiOkResponse({ type: MeDto })
  async update(@CurrentUser() caller: AuthenticatedUser, @Body() body: UpdateProfileDto): Promise<MeDto> {
    return MeDto.from(await this.users.updateDisplayName(caller.userId, body.displayName, caller));
  }
}
