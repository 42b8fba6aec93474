import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** A fresh code from the customer's authenticator app: what a stolen access token lacks. */
export class TotpCodeDto {
  @ApiProperty({ example: '123456', description: 'Current 6-digit code from the authenticator app (each code is accepted once)' })
  @IsString()
  @Matches(/^[0-9]{6}$/, { message: 'totpCode must be 6 digits' })
  totpCode: string;
}
