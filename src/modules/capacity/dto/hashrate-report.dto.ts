import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IsDecimalString } from '../../../common/money/decimal-string.validator.js';
import { IsUtcDay } from '../../../common/clock/utc-day.js';

export class CreateHashrateReportDto {
  @ApiProperty()
  @IsUUID()
  poolId: string;

  @ApiProperty({ example: '2026-04-20', description: 'UTC day' })
  @IsUtcDay()
  day: string;

  @ApiProperty({ example: '950.250', description: 'Average delivered hash rate that day, TH/s' })
  @IsDecimalString({ places: 3 })
  deliveredThs: string;

  @ApiProperty({ example: 9850, description: 'Uptime in basis points (0-10000)' })
  @IsInt()
  @Min(0)
  @Max(10000)
  uptimeBps: number;
}

export class HashrateReportFilterDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  poolId?: string;

  @ApiPropertyOptional({ example: '2026-04-01' })
  @IsOptional()
  @IsUtcDay()
  from?: string;

  @ApiPropertyOptional({ example: '2026-04-30' })
  @IsOptional()
  @IsUtcDay()
  to?: string;
}
