import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { REFRESH_TOKEN_PATTERN } from '../refresh-token.js';

/** Body of POST /v1/auth/refresh and /v1/auth/logout. */
export class RefreshTokenDto {
  @ApiProperty({ description: 'The opaque refresh token from login, register or the last refresh' })
  @IsString()
  @Matches(REFRESH_TOKEN_PATTERN, { message: 'refreshToken must be a refresh token' })
  refreshToken: string;
}
