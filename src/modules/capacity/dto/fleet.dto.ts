import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { FLEET_STATUSES, type FleetStatus } from '../entities/fleet.entity.js';
import { NAME_PATTERN } from './site.dto.js';

export class CreateFleetDto {
  @ApiProperty({ example: 'A-row-1' })
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: 'name must not start or end with whitespace' })
  name: string;

  @ApiProperty()
  @IsUUID()
  siteId: string;

  @ApiProperty()
  @IsUUID()
  minerModelId: string;

  @ApiProperty()
  @IsUUID()
  poolId: string;

  @ApiProperty({ example: 100 })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  unitCount: number;

  @ApiPropertyOptional({ enum: FLEET_STATUSES, default: 'online' })
  @IsOptional()
  @IsIn(FLEET_STATUSES)
  status?: FleetStatus;
}

/** poolId is accepted only to answer with a clear 409: moving a fleet is a routing change request. */
export class UpdateFleetDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(NAME_PATTERN, { message: 'name must not start or end with whitespace' })
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  siteId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  minerModelId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  unitCount?: number;

  @ApiPropertyOptional({ description: 'Refused here (409): use POST /v1/routing-changes' })
  @IsOptional()
  @IsString()
  poolId?: string;
}

export class SetFleetStatusDto {
  @ApiProperty({ enum: FLEET_STATUSES })
  @IsIn(FLEET_STATUSES)
  status: FleetStatus;

  @ApiPropertyOptional({ example: 'cooling failure' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class FleetFilterDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  poolId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  siteId?: string;
}
