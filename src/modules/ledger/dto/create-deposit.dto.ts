import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, Length, Matches } from 'class-validator';
import { IsAmountString } from '../../../common/money/decimal-string.validator.js';
import { CURRENCIES, type Currency } from '../../../common/money/units.js';

export class CreateDepositDto {
  @ApiProperty({ format: 'uuid', description: 'The customer credited' })
  @IsUUID()
  customerId: string;

  @ApiProperty({ enum: CURRENCIES })
  @IsIn(CURRENCIES)
  currency: Currency;

  @ApiProperty({ example: '250.00', description: 'Decimal string, > 0; up to 6 decimals for USD, 8 for BTC' })
  @IsAmountString('currency', { sign: 'positive' })
  amount: string;

  @ApiProperty({
    example: 'WIRE-2025-01-0001',
    description: 'The bank or chain reference of the incoming payment; recording it again is a replay, never a second credit',
  })
  @IsString()
  @Length(1, 120)
  @Matches(/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/, { message: 'externalReference must be printable ASCII without leading or trailing spaces' })
  externalReference: string;
}

export class DepositDto {
  @ApiProperty() entryId: string;
  @ApiProperty() customerId: string;
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ example: '250.000000' }) amount: string;
  @ApiProperty() externalReference: string;
  @ApiProperty() postedAt: string;
  @ApiProperty({ description: 'True when this reference had been recorded before: nothing moved this time' }) replayed: boolean;
}
