import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsDecimalString } from '../units/decimal-units.js';

export const NAME_PATTERN = /^\S(.*\S)?$/;
const NAME_MESSAGE = 'name must not start or end with whitespace';

export class CreateSiteDto {
  @ApiProperty({ example: 'Tromsø hall A' })
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: NAME_MESSAGE })
  name: string;

  @ApiProperty({ example: '1500.000', description: 'Power capacity in kW (up to 3 decimals)' })
  @IsDecimalString(3, { positive: true })
  powerCapacityKw: string;

  @ApiProperty({ example: '0.045', description: 'Electricity price in USD per kWh (up to 6 decimals)' })
  @IsDecimalString(6)
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
  @IsDecimalString(3, { positive: true })
  powerCapacityKw?: string;

  @ApiPropertyOptional({ example: '0.045' })
  @IsOptional()
  @IsDecimalString(6)
  electricityPriceUsdPerKwh?: string;
}
