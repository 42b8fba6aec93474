import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/cursor.js';
import { CONTRACT_STATUSES, type ContractStatus } from '../entities/contract.entity.js';
import { IsDecimalString } from '../../../common/money/decimal-string.validator.js';

export class PurchaseContractDto {
  @ApiProperty()
  @IsUUID()
  productId: string;

  @ApiProperty({ example: '10.5', description: "Hash rate to buy, TH/s (up to 3 decimals, within the product's min/max)" })
  @IsDecimalString({ places: 3, sign: 'positive' })
  hashrateThs: string;
}

export class ContractListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CONTRACT_STATUSES })
  @IsOptional()
  @IsIn(CONTRACT_STATUSES)
  status?: ContractStatus;
}

export class TerminateContractsDto {
  @ApiProperty({ example: 'site decommissioned' })
  @IsString()
  @MaxLength(500)
  reason: string;
}
