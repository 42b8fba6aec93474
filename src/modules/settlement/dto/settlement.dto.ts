import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/cursor.js';
import { IsIntegerString } from '../../../common/money/decimal-string.validator.js';
import { IsUtcDay } from '../../../common/clock/utc-day.js';
import { RUN_STATUSES, type RunStatus } from '../entities/settlement-run.entity.js';

export class RecordPoolEarningsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'poolId must be a UUID' })
  poolId: string;

  @ApiProperty({ example: '2026-04-20', description: 'UTC day the pool credited' })
  @IsUtcDay()
  day: string;

  @ApiProperty({ example: '123456789', description: 'Sats credited for the day, after the pool fee (integer string)' })
  @IsIntegerString()
  amountSats: string;

  @ApiProperty({ example: 'pool-statement-2026-04-20', description: "The pool's own reference" })
  @IsString()
  @Length(1, 200)
  reference: string;
}

export class RecordPoolPayoutDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'poolId must be a UUID' })
  poolId: string;

  @ApiProperty({ example: 'a'.repeat(64), description: 'Transaction id, 64 hex characters' })
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'txid must be 64 hexadecimal characters' })
  txid: string;

  @ApiProperty({ example: 0 })
  @IsInt()
  @Min(0)
  @Max(100_000)
  vout: number;

  @ApiProperty({ example: '123456789', description: 'Sats received (integer string, > 0)' })
  @IsIntegerString({ positive: true })
  amountSats: string;

  @ApiProperty({ example: '2026-04-21T08:00:00Z' })
  @IsISO8601({ strict: true }, { message: 'receivedAt must be an ISO 8601 date-time' })
  receivedAt: string;
}

export class TriggerRunsDto {
  @ApiPropertyOptional({ example: '2026-04-20', description: 'One day (or give from and to)' })
  @ValidateIf((o: TriggerRunsDto) => o.from === undefined && o.to === undefined)
  @IsUtcDay()
  day?: string;

  @ApiPropertyOptional({ example: '2026-04-01' })
  @ValidateIf((o: TriggerRunsDto) => o.day === undefined || o.from !== undefined)
  @IsUtcDay()
  from?: string;

  @ApiPropertyOptional({ example: '2026-04-20' })
  @ValidateIf((o: TriggerRunsDto) => o.day === undefined || o.to !== undefined)
  @IsUtcDay()
  to?: string;
}

export class ListRunsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsUtcDay()
  from?: string;

  @IsOptional()
  @IsUtcDay()
  to?: string;

  @IsOptional()
  @IsUUID('all', { message: 'poolId must be a UUID' })
  poolId?: string;

  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: RunStatus;
}

export class ReconciliationQueryDto {
  @ApiProperty({ example: '2026-04-01' })
  @IsUtcDay()
  from: string;

  @ApiProperty({ example: '2026-04-30' })
  @IsUtcDay()
  to: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'] })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class ReceivableAgingQueryDto {
  @ApiPropertyOptional({ example: '2024-04-30', description: 'As of this UTC day (default: today)' })
  @IsOptional()
  @IsUtcDay()
  asOf?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'] })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class ContractSettlementsQueryDto {
  @ApiPropertyOptional({ example: '2026-04-01', description: 'First day shown (default: 31 days before to)' })
  @IsOptional()
  @IsUtcDay()
  from?: string;

  @ApiPropertyOptional({ example: '2026-04-30', description: 'Last day shown (default: yesterday or the end day)' })
  @IsOptional()
  @IsUtcDay()
  to?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(366)
  limit?: number;
}
