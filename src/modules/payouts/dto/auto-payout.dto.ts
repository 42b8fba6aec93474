import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsUUID, Matches } from 'class-validator';
import { IsDecimalString } from '../../../common/money/decimal-string.validator.js';
import { TotpCodeDto } from './totp-code.dto.js';

export class SetAutoPayoutDto extends TotpCodeDto {
  @ApiProperty({ format: 'uuid', description: 'A whitelisted payout address (used once its time lock has passed)' })
  @IsUUID('all', { message: 'addressId must be a UUID' })
  addressId: string;

  @ApiProperty({ example: '0.00500000', description: 'Pay out the whole available balance once it reaches this (BTC)' })
  @IsDecimalString({ places: 8, sign: 'positive' })
  threshold: string;
}

export class RunAutoPayoutsDto {
  @ApiPropertyOptional({ example: '2030-01-10', description: 'UTC day to run for (default: today)' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'day must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'day must be a real calendar date' })
  day?: string;
}
