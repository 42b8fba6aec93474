import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsUtcDay } from '../../../common/clock/utc-day.js';

const FORMATS = ['json', 'csv'] as const;
export type ExportFormat = (typeof FORMATS)[number];

export class DayRangeQueryDto {
  @ApiProperty({ example: '2024-04-01', description: 'First UTC day' })
  @IsUtcDay()
  from: string;

  @ApiProperty({ example: '2024-04-30', description: 'Last UTC day (inclusive; at most 366 days after from)' })
  @IsUtcDay()
  to: string;

  @ApiPropertyOptional({ enum: FORMATS, description: 'json (default) or csv (also with Accept: text/csv)' })
  @IsOptional()
  @IsIn(FORMATS)
  format?: ExportFormat;
}

export const PENDING_WITHDRAWAL_STATUSES = ['requested', 'approved', 'batched', 'broadcast'] as const;

export class PendingWithdrawalsQueryDto {
  @ApiPropertyOptional({ enum: PENDING_WITHDRAWAL_STATUSES, description: 'One status; default all four pending ones' })
  @IsOptional()
  @IsIn(PENDING_WITHDRAWAL_STATUSES)
  status?: (typeof PENDING_WITHDRAWAL_STATUSES)[number];
}
