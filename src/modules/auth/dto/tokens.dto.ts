import { ApiProperty } from '@nestjs/swagger';
import { UserProfileDto } from './user-profile.dto.js';

export class TokenPairDto {
  @ApiProperty({ description: 'Short-lived JWT; send as Authorization: Bearer <token>' })
  accessToken: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires' })
  expiresIn: number;

  @ApiProperty({ description: 'Opaque, single use: exchange it at POST /v1/auth/refresh' })
  refreshToken: string;

  @ApiProperty({ type: String, format: 'date-time' })
  refreshTokenExpiresAt: Date;
}

export class SignedInDto {
  @ApiProperty({ type: UserProfileDto })
  user: UserProfileDto;

  @ApiProperty({ type: TokenPairDto })
  tokens: TokenPairDto;
}
