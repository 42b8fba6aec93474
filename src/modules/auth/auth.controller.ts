import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user.js';
import { Authenticated, Public } from '../../common/auth/roles.js';
import { AuthService, type RequestMeta } from './auth.service.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { RefreshTokenDto } from './dto/refresh-token.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { SignedInDto, TokenPairDto } from './dto/tokens.dto.js';
import { UserProfileDto } from './dto/user-profile.dto.js';
import { Meta } from './request-meta.js';
import { TokenService } from './token.service.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: TokenService,
  ) {}

  @Public()
  @Post('register')
  @ApiOperation({ summary: 'Create a customer account and sign in' })
  @ApiCreatedResponse({ type: SignedInDto })
  async register(@Body() body: RegisterDto, @Meta() meta: RequestMeta): Promise<SignedInDto> {
    const { user, tokens } = await this.auth.register(body, meta);
    return { user: UserProfileDto.from(user), tokens };
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password (and TOTP code when enabled); rate-limited per IP and per email' })
  @ApiOkResponse({ type: SignedInDto })
  async login(@Body() body: LoginDto, @Meta() meta: RequestMeta): Promise<SignedInDto> {
    const { user, tokens } = await this.auth.login(body, meta);
    return { user: UserProfileDto.from(user), tokens };
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair; a reused token revokes its whole session family' })
  @ApiOkResponse({ type: TokenPairDto })
  refresh(@Body() body: RefreshTokenDto): Promise<TokenPairDto> {
    return this.tokens.rotate(body.refreshToken);
  }

  /** Holding the refresh token is the proof: logout works after the access token expired. */
  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke the session (refresh token family) the token belongs to' })
  @ApiNoContentResponse()
  async logout(@Body() body: RefreshTokenDto): Promise<void> {
    await this.tokens.revokeFamilyOf(body.refreshToken);
  }

  @Authenticated()
  @Post('password')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change password: signs out every session and locks withdrawals for WITHDRAWAL_LOCK_HOURS' })
  @ApiNoContentResponse()
  async changePassword(@CurrentUser() user: AuthenticatedUser, @Body() body: ChangePasswordDto, @Meta() meta: RequestMeta): Promise<void> {
    await this.auth.changePassword(user, body, meta);
  }
}
