import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsDecimalString } from '../../../common/money/decimal-string.validator.js';
import { TotpCodeDto } from './totp-code.dto.js';

/** Exactly one of addressId or address (which must already be on the whitelist). */
export class RequestWithdrawalDto extends TotpCodeDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Id of a whitelisted payout address' })
  @IsOptional()
  @IsUUID('all', { message: 'addressId must be a UUID' })
  addressId?: string;

  @ApiPropertyOptional({ example: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', description: 'A whitelisted payout address, by its text' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  address?: string;

  @ApiProperty({ example: '0.01000000', description: 'BTC taken from the available balance; the network fee is deducted from it' })
  @IsDecimalString({ places: 8, sign: 'positive' })
  amount: string;
}
