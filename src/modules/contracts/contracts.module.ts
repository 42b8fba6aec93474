import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { MarketModule } from '../market/market.module.js';
import { ProductEstimateService } from './product-estimate.service.js';
import { ProductsController } from './products.controller.js';
import { ProductsRepository } from './products.repository.js';
import { ProductsService } from './products.service.js';

/**
 * What is sold and who bought it: products (with their sold counters) and contracts live in one
 * module so a purchase updates both in one statement sequence without crossing a boundary.
 */
@Module({
  imports: [CapacityModule, MarketModule],
  controllers: [ProductsController],
  providers: [ProductsRepository, ProductsService, ProductEstimateService],
  exports: [ProductsService],
})
export class ContractsModule {}
