import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user.js';
import { Authenticated } from '../../common/auth/roles.js';
import type { RequestMeta } from './auth.service.js';
import { TotpEnrollmentDto, TotpStatusDto, TotpVerifyDto } from './dto/totp.dto.js';
import { Meta } from './request-meta.js';
import { TotpService } from './totp.service.js';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('auth/totp')
export class TotpController {
  constructor(private readonly totp: TotpService) {}

  @Authenticated()
  @Post('enroll')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start TOTP enrolment: a new secret and its otpauth:// URI (not required until verified)' })
  @ApiOkResponse({ type: TotpEnrollmentDto })
  enroll(@CurrentUser() user: AuthenticatedUser): Promise<TotpEnrollmentDto> {
    return this.totp.enroll(user);
  }

  @Authenticated()
  @Post('verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check a code; the first accepted code enables TOTP. Each code is accepted once.' })
  @ApiOkResponse({ type: TotpStatusDto })
  verify(@CurrentUser() user: AuthenticatedUser, @Body() body: TotpVerifyDto, @Meta() meta: RequestMeta): Promise<TotpStatusDto> {
    return this.totp.verifyAndEnable(user, body.code, meta.requestId);
  }
}
