import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth/roles.js';
import { ReqContext, type RequestContext } from '../../common/http/request-context.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { CreateSiteDto, UpdateSiteDto } from './dto/site.dto.js';
import { CreateMinerModelDto, UpdateMinerModelDto } from './dto/miner-model.dto.js';
import { MinerModelsService } from './miner-models.service.js';
import { SitesService } from './sites.service.js';

@ApiTags('capacity')
@ApiBearerAuth()
@Roles('operator', 'admin')
@Controller('sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Post()
  create(@ReqContext() ctx: RequestContext, @Body() dto: CreateSiteDto) {
    return this.sites.create(ctx, dto);
  }

  @Get()
  list() {
    return this.sites.list();
  }

  @Get(':id')
  get(@UuidParam() id: string) {
    return this.sites.get(id);
  }

  @Patch(':id')
  update(@ReqContext() ctx: RequestContext, @UuidParam() id: string, @Body() dto: UpdateSiteDto) {
    return this.sites.update(ctx, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@ReqContext() ctx: RequestContext, @UuidParam() id: string) {
    return this.sites.remove(ctx, id);
  }
}

@ApiTags('capacity')
@ApiBearerAuth()
@Roles('operator', 'admin')
@Controller('miner-models')
export class MinerModelsController {
  constructor(private readonly models: MinerModelsService) {}

  @Post()
  create(@ReqContext() ctx: RequestContext, @Body() dto: CreateMinerModelDto) {
    return this.models.create(ctx, dto);
  }

  @Get()
  list() {
    return this.models.list();
  }

  @Get(':id')
  get(@UuidParam() id: string) {
    return this.models.get(id);
  }

  @Patch(':id')
  update(@ReqContext() ctx: RequestContext, @UuidParam() id: string, @Body() dto: UpdateMinerModelDto) {
    return this.models.update(ctx, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@ReqContext() ctx: RequestContext, @UuidParam() id: string) {
    return this.models.remove(ctx, id);
  }
}
