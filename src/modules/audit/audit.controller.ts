import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth/roles.js';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import { DEFAULT_PAGE_SIZE } from '../../common/pagination/cursor.js';
import { AuditService } from './audit.service.js';
import { AuditPageDto, ListAuditQueryDto } from './dto/list-audit.dto.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Roles('admin')
  @Get()
  @ApiOperation({ summary: 'The audit log, newest first, cursor-paginated; filter by actor, entity, action and time' })
  @ApiOkResponse({ type: AuditPageDto })
  async list(@Query() query: ListAuditQueryDto): Promise<AuditPageDto> {
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from && to && from.getTime() >= to.getTime()) throw new ValidationFailedError('to', 'must be after from');
    return this.audit.list({
      actorId: query.actorId,
      entityType: query.entityType,
      entityId: query.entityId,
      action: query.action,
      from,
      to,
      cursor: query.cursor,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
    });
  }
}
