import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CURRENCIES, type Currency } from '../../../common/money/units.js';
import { PageQueryDto } from '../../../common/pagination/cursor.js';
import { CUSTOMER_BUCKETS, type CustomerBucket } from '../ledger.accounts.js';

export class LedgerPageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CURRENCIES })
  @IsOptional()
  @IsIn(CURRENCIES)
  currency?: Currency;

  @ApiPropertyOptional({ enum: CUSTOMER_BUCKETS })
  @IsOptional()
  @IsIn(CUSTOMER_BUCKETS)
  account?: CustomerBucket;
}

export class StatementQueryDto {
  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'Overrides the Accept header' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
