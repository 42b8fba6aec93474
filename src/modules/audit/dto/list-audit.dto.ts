import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/cursor.js';

/** GET /v1/admin/audit filters; every one optional, combined with AND. */
export class ListAuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Who acted' })
  @IsOptional()
  @IsUUID('all', { message: 'actorId must be a UUID' })
  actorId?: string;

  @ApiPropertyOptional({ example: 'user' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z][a-z0-9_.-]*$/, { message: 'entityType must be a lower-case identifier' })
  entityType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  entityId?: string;

  @ApiPropertyOptional({ example: 'user.created' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  action?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Exclusive' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;
}

export class AuditEntryDto {
  @ApiProperty({ description: 'Increasing id (decimal string)' })
  id: string;

  @ApiProperty({ type: String, format: 'date-time' })
  occurredAt: Date;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null when the system acted (jobs, CLI)' })
  actorId: string | null;

  @ApiProperty()
  actorRole: string;

  @ApiProperty({ example: 'user.created' })
  action: string;

  @ApiProperty({ example: 'user' })
  entityType: string;

  @ApiProperty()
  entityId: string;

  @ApiProperty({ type: Object, nullable: true })
  before: Record<string, unknown> | null;

  @ApiProperty({ type: Object, nullable: true })
  after: Record<string, unknown> | null;

  @ApiProperty({ type: String, nullable: true })
  requestId: string | null;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] })
  items: AuditEntryDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next (older) page; null on the last' })
  nextCursor: string | null;
}
