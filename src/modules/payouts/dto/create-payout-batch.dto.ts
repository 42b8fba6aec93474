import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

export class CreatePayoutBatchDto {
  @ApiPropertyOptional({ type: [String], description: 'Batch exactly these approved withdrawals (default: the oldest approved ones)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5000)
  @IsUUID('all', { each: true, message: 'withdrawalIds must contain UUIDs' })
  withdrawalIds?: string[];

  @ApiPropertyOptional({ example: 100, description: 'At most this many (capped by PAYOUT_BATCH_MAX_SIZE)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5000)
  maxSize?: number;
}
