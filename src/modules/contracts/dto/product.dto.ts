import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/cursor.js';
import { PRODUCT_STATUSES, type ProductStatus } from '../entities/product.entity.js';
import { IsDecimalString } from '../../../common/money/decimal-string.validator.js';

const NAME_PATTERN = /^\S(.*\S)?$/;

export class CreateProductDto {
  @ApiProperty({ example: 'S21 fleet, 365 days' })
  @IsString()
  @Length(1, 120)
  @Matches(NAME_PATTERN, { message: 'name must not start or end with whitespace' })
  name: string;

  @ApiProperty()
  @IsUUID()
  poolId: string;

  @ApiProperty({ example: 365 })
  @IsInt()
  @Min(1)
  @Max(3650)
  termDays: number;

  @ApiProperty({ example: '18.50', description: 'Upfront price, USD per TH/s (up to 6 decimals)' })
  @IsDecimalString({ places: 6, sign: 'positive' })
  upfrontPriceUsdPerTh: string;

  @ApiPropertyOptional({
    example: '0.042000',
    description: "Electricity fee, USD per TH/s per day. Omit to derive it from the pool fleets' sites (price) and models (J/TH).",
  })
  @IsOptional()
  @IsDecimalString({ places: 6 })
  electricityFeeUsdPerThDay?: string;

  @ApiProperty({ example: 500, description: 'Management fee, basis points of gross output' })
  @IsInt()
  @Min(0)
  @Max(10000)
  managementFeeBps: number;

  @ApiProperty({ example: '1.000' })
  @IsDecimalString({ places: 3, sign: 'positive' })
  minPurchaseThs: string;

  @ApiProperty({ example: '500.000' })
  @IsDecimalString({ places: 3, sign: 'positive' })
  maxPurchaseThs: string;

  @ApiProperty({ example: '10000.000', description: 'Capacity allocated to the product, TH/s' })
  @IsDecimalString({ places: 3, sign: 'positive' })
  capacityAllocatedThs: string;

  @ApiPropertyOptional({ description: 'Sales open at (ISO 8601); now when omitted' })
  @IsOptional()
  @IsISO8601({ strict: true })
  salesStartAt?: string;

  @ApiPropertyOptional({ description: 'Sales close at (ISO 8601); open-ended when omitted' })
  @IsOptional()
  @IsISO8601({ strict: true })
  salesEndAt?: string;

  @ApiProperty({ example: 9500, description: 'Uptime guarantee, basis points' })
  @IsInt()
  @Min(0)
  @Max(10000)
  uptimeGuaranteeBps: number;

  @ApiProperty({ example: 7, description: 'Days of arrears tolerated before the contract pauses' })
  @IsInt()
  @Min(0)
  @Max(365)
  arrearsGraceDays: number;

  @ApiPropertyOptional({ enum: PRODUCT_STATUSES, default: 'active' })
  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;
}

/** Changes apply to future purchases only: sold contracts keep the terms they were bought with. */
export class UpdateProductDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 120)
  @Matches(NAME_PATTERN, { message: 'name must not start or end with whitespace' })
  name?: string;

  @ApiPropertyOptional({ example: 365 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  termDays?: number;

  @ApiPropertyOptional({ example: '18.50' })
  @IsOptional()
  @IsDecimalString({ places: 6, sign: 'positive' })
  upfrontPriceUsdPerTh?: string;

  @ApiPropertyOptional({ example: '0.042000', description: 'A fixed fee; "derived" re-derives it from the pool\'s fleets' })
  @IsOptional()
  @Matches(/^(derived|(0|[1-9][0-9]{0,11})(\.[0-9]{1,6})?)$/, {
    message: 'electricityFeeUsdPerThDay must be "derived" or a decimal string with at most 6 decimal places',
  })
  electricityFeeUsdPerThDay?: string;

  @ApiPropertyOptional({ example: 500 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10000)
  managementFeeBps?: number;

  @ApiPropertyOptional({ example: '1.000' })
  @IsOptional()
  @IsDecimalString({ places: 3, sign: 'positive' })
  minPurchaseThs?: string;

  @ApiPropertyOptional({ example: '500.000' })
  @IsOptional()
  @IsDecimalString({ places: 3, sign: 'positive' })
  maxPurchaseThs?: string;

  @ApiPropertyOptional({ example: '10000.000' })
  @IsOptional()
  @IsDecimalString({ places: 3 })
  capacityAllocatedThs?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  salesStartAt?: string;

  @ApiPropertyOptional({ nullable: true, description: 'null makes the window open-ended' })
  @IsOptional()
  @IsISO8601({ strict: true })
  salesEndAt?: string | null;

  @ApiPropertyOptional({ example: 9500 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10000)
  uptimeGuaranteeBps?: number;

  @ApiPropertyOptional({ example: 7 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(365)
  arrearsGraceDays?: number;
}

export class ProductListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: '10.5', description: 'Quote the all-in price for this hash rate, TH/s' })
  @IsOptional()
  @IsDecimalString({ places: 3, sign: 'positive' })
  hashrate?: string;

  @ApiPropertyOptional({ enum: ['on_sale', 'all'], description: 'Staff only: "all" includes paused and closed products' })
  @IsOptional()
  @IsIn(['on_sale', 'all'])
  scope?: 'on_sale' | 'all';
}

export class ProductQueryDto {
  @ApiPropertyOptional({ example: '10.5', description: 'Quote the all-in price for this hash rate, TH/s' })
  @IsOptional()
  @IsDecimalString({ places: 3, sign: 'positive' })
  hashrate?: string;
}

export class EstimateQueryDto {
  @ApiProperty({ example: '100', description: 'Hash rate to estimate, TH/s (up to 3 decimals)' })
  @IsDecimalString({ places: 3, sign: 'positive' })
  hashrate: string;
}
