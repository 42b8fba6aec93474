import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { ROUTING_CHANGE_KINDS, ROUTING_CHANGE_STATUSES, type RoutingChangeKind, type RoutingChangeStatus } from '../entities/routing-change.entity.js';

export class CreateRoutingChangeDto {
  @ApiProperty({ enum: ROUTING_CHANGE_KINDS })
  @IsIn(ROUTING_CHANGE_KINDS)
  kind: RoutingChangeKind;

  @ApiProperty({ description: 'The pool (pool_payout_address, pool_stratum_endpoint) or the fleet (fleet_pool)' })
  @IsUUID()
  targetId: string;

  @ApiProperty({ description: 'The new payout address, the new stratum endpoint, or the id of the pool the fleet moves to' })
  @IsString()
  @Length(1, 255)
  newValue: string;

  @ApiPropertyOptional({ example: 'pool migrated to a new account' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class CancelRoutingChangeDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class RoutingChangeFilterDto {
  @ApiPropertyOptional({ enum: ROUTING_CHANGE_STATUSES })
  @IsOptional()
  @IsIn(ROUTING_CHANGE_STATUSES)
  status?: RoutingChangeStatus;
}
