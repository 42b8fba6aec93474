import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth/roles.js';
import { ReqContext, type RequestContext } from '../../common/http/request-context.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { CreateFleetDto, FleetFilterDto, SetFleetStatusDto, UpdateFleetDto } from './dto/fleet.dto.js';
import { CreatePoolDto, UpdatePoolDto } from './dto/pool.dto.js';
import { CancelRoutingChangeDto, CreateRoutingChangeDto, RoutingChangeFilterDto } from './dto/routing-change.dto.js';
import { FleetsService } from './fleets.service.js';
import { PoolsService } from './pools.service.js';
import { RoutingChangesService } from './routing-changes.service.js';

@ApiTags('capacity')
@ApiBearerAuth()
@Roles('operator', 'admin')
@Controller('pools')
export class PoolsController {
  constructor(private readonly pools: PoolsService) {}

  @Post()
  create(@ReqContext() ctx: RequestContext, @Body() dto: CreatePoolDto) {
    return this.pools.create(ctx, dto);
  }

  @Get()
  list() {
    return this.pools.list();
  }

  /** The pool's current settings and its open (pending) routing changes. */
  @Get(':id')
  get(@UuidParam() id: string) {
    return this.pools.get(id);
  }

  @Patch(':id')
  update(@ReqContext() ctx: RequestContext, @UuidParam() id: string, @Body() dto: UpdatePoolDto) {
    return this.pools.update(ctx, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@ReqContext() ctx: RequestContext, @UuidParam() id: string) {
    return this.pools.remove(ctx, id);
  }
}

@ApiTags('capacity')
@ApiBearerAuth()
@Roles('operator', 'admin')
@Controller('fleets')
export class FleetsController {
  constructor(private readonly fleets: FleetsService) {}

  @Post()
  create(@ReqContext() ctx: RequestContext, @Body() dto: CreateFleetDto) {
    return this.fleets.create(ctx, dto);
  }

  @Get()
  list(@Query() filter: FleetFilterDto) {
    return this.fleets.list(filter);
  }

  @Get(':id')
  get(@UuidParam() id: string) {
    return this.fleets.get(id);
  }

  @Get(':id/status-history')
  statusHistory(@UuidParam() id: string) {
    return this.fleets.statusHistory(id);
  }

  @Patch(':id')
  update(@ReqContext() ctx: RequestContext, @UuidParam() id: string, @Body() dto: UpdateFleetDto) {
    return this.fleets.update(ctx, id, dto);
  }

  /** Online / offline / maintenance, recorded in the fleet's status history. */
  @Post(':id/status')
  @HttpCode(200)
  setStatus(@ReqContext() ctx: RequestContext, @UuidParam() id: string, @Body() dto: SetFleetStatusDto) {
    return this.fleets.setStatus(ctx, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@ReqContext() ctx: RequestContext, @UuidParam() id: string) {
    return this.fleets.remove(ctx, id);
  }
}

/** Guarded changes of pool payout addresses, stratum endpoints and fleet pools (four eyes and a delay). */
@ApiTags('capacity')
@ApiBearerAuth()
@Roles('operator', 'admin')
@Controller('routing-changes')
export class RoutingChangesController {
  constructor(private readonly changes: RoutingChangesService) {}

  @Post()
  request(@ReqContext() ctx: RequestContext, @Body() dto: CreateRoutingChangeDto) {
    return this.changes.request(ctx, dto);
  }

  @Get()
  list(@Query() filter: RoutingChangeFilterDto) {
    return this.changes.list(filter.status);
  }

  @Get(':id')
  get(@UuidParam() id: string) {
    return this.changes.get(id);
  }

  /** By a staff user other than the requester; effective after CAPACITY_CHANGE_DELAY_HOURS. */
  @Post(':id/approve')
  @HttpCode(200)
  approve(@ReqContext() ctx: RequestContext, @UuidParam() id: string) {
    return this.changes.approve(ctx, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@ReqContext() ctx: RequestContext, @UuidParam() id: string, @Body() dto: CancelRoutingChangeDto) {
    return this.changes.cancel(ctx, id, dto.reason);
  }
}
