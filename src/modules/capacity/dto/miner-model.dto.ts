import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsDecimalString } from '../../../common/money/decimal-string.validator.js';
import { NAME_PATTERN } from './site.dto.js';

export class CreateMinerModelDto {
  @ApiProperty({ example: 'Antminer S21' })
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: 'name must not start or end with whitespace' })
  name: string;

  @ApiProperty({ example: '200.000', description: 'Nominal hash rate of one unit, TH/s (up to 3 decimals)' })
  @IsDecimalString({ places: 3, sign: 'positive' })
  hashrateThs: string;

  @ApiProperty({ example: '17.5', description: 'Efficiency, J/TH (up to 3 decimals)' })
  @IsDecimalString({ places: 3, sign: 'positive' })
  efficiencyJPerTh: string;
}

export class UpdateMinerModelDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: 'name must not start or end with whitespace' })
  name?: string;

  @ApiPropertyOptional({ example: '200.000' })
  @IsOptional()
  @IsDecimalString({ places: 3, sign: 'positive' })
  hashrateThs?: string;

  @ApiPropertyOptional({ example: '17.5' })
  @IsOptional()
  @IsDecimalString({ places: 3, sign: 'positive' })
  efficiencyJPerTh?: string;
}
