import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsDecimalString } from '../../../common/money/decimal-string.validator.js';

export const NAME_PATTERN = /^\S(.*\S)?$/;
const NAME_MESSAGE = 'name must not start or end with whitespace';

export class CreateSiteDto {
  @ApiProperty({ example: 'Tromsø hall A' })
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: NAME_MESSAGE })
  name: string;

  @ApiProperty({ example: '1500.000', description: 'Power capacity in kW (up to 3 decimals)' })
  @IsDecimalString({ places: 3, sign: 'positive' })
  powerCapacityKw: string;

  @ApiProperty({ example: '0.045', description: 'Electricity price in USD per kWh (up to 6 decimals)' })
  @IsDecimalString({ places: 6 })
  electricityPriceUsdPerKwh: string;
}

export class UpdateSiteDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: NAME_MESSAGE })
  name?: string;

  @ApiPropertyOptional({ example: '1500.000' })
  @IsOptional()
  @IsDecimalString({ places: 3, sign: 'positive' })
  powerCapacityKw?: string;

  @ApiPropertyOptional({ example: '0.045' })
  @IsOptional()
  @IsDecimalString({ places: 6 })
  electricityPriceUsdPerKwh?: string;
}
