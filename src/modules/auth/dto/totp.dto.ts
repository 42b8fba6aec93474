import { ApiProperty } from '@nestjs/swagger';
import { TotpCodeField } from './fields.js';

export class TotpVerifyDto {
  @TotpCodeField('code', true)
  code: string;
}

export class TotpEnrollmentDto {
  @ApiProperty({ description: 'Base32 secret, for manual entry in an authenticator app' })
  secret: string;

  @ApiProperty({ example: 'otpauth://totp/Hashmarket:satoshi%40example.com?secret=...&issuer=Hashmarket' })
  otpauthUri: string;
}

export class TotpStatusDto {
  @ApiProperty()
  enabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  enabledAt: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Withdrawals are refused until then' })
  withdrawalsLockedUntil: Date | null;
}
