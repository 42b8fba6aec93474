import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Authenticated, Roles } from '../../common/auth/roles.js';
import { ReqContext, type RequestContext } from '../../common/http/request-context.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { TerminateContractsDto } from './dto/contract.dto.js';
import { CreateProductDto, EstimateQueryDto, ProductListQueryDto, ProductQueryDto, UpdateProductDto } from './dto/product.dto.js';
import { ContractTerminationService } from './contract-termination.service.js';
import { ProductEstimateService } from './product-estimate.service.js';
import { ProductsService } from './products.service.js';

@ApiTags('products')
@ApiBearerAuth()
@Controller('products')
export class ProductsController {
  constructor(
    private readonly products: ProductsService,
    private readonly estimates: ProductEstimateService,
    private readonly termination: ContractTerminationService,
  ) {}

  @Roles('operator', 'admin')
  @Post()
  create(@ReqContext() ctx: RequestContext, @Body() dto: CreateProductDto) {
    return this.products.create(ctx, dto);
  }

  @Roles('operator', 'admin')
  @Patch(':id')
  update(@ReqContext() ctx: RequestContext, @UuidParam() id: string, @Body() dto: UpdateProductDto) {
    return this.products.update(ctx, id, dto);
  }

  @Roles('operator', 'admin')
  @Post(':id/pause')
  @HttpCode(200)
  pause(@ReqContext() ctx: RequestContext, @UuidParam() id: string) {
    return this.products.setStatus(ctx, id, 'paused');
  }

  @Roles('operator', 'admin')
  @Post(':id/resume')
  @HttpCode(200)
  resume(@ReqContext() ctx: RequestContext, @UuidParam() id: string) {
    return this.products.setStatus(ctx, id, 'active');
  }

  /** Pauses the product and ends all its live contracts, refunding each pro rata for the days not delivered. */
  @Roles('operator', 'admin')
  @Post(':id/terminate-contracts')
  @HttpCode(200)
  terminate(@ReqContext() ctx: RequestContext, @UuidParam() id: string, @Body() dto: TerminateContractsDto) {
    return this.termination.terminateProduct(ctx, id, dto.reason);
  }

  /** What can be bought now, with the remaining TH/s and (with ?hashrate=) the all-in price. */
  @Authenticated()
  @Get()
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ProductListQueryDto) {
    return this.products.list(user, query);
  }

  @Authenticated()
  @Get(':id')
  get(@UuidParam() id: string, @Query() query: ProductQueryDto) {
    return this.products.get(id, query.hashrate);
  }

  /** Daily output, fees, net, payback days and shutdown BTC price at today's difficulty and price. */
  @Authenticated()
  @Get(':id/estimate')
  estimate(@UuidParam() id: string, @Query() query: EstimateQueryDto) {
    return this.estimates.estimate(id, query.hashrate);
  }
}
