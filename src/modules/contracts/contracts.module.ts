import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { MarketModule } from '../market/market.module.js';
import { ContractLifecycleService } from './contract-lifecycle.service.js';
import { ContractPurchaseService } from './purchase/contract-purchase.service.js';
import { PurchaseGroupWriter } from './purchase/purchase-group.writer.js';
import { ContractTerminationService } from './contract-termination.service.js';
import { ContractsController } from './contracts.controller.js';
import { ContractLifecycleRepository } from './contract-lifecycle.repository.js';
import { ContractsRepository } from './contracts.repository.js';
import { ContractsService } from './contracts.service.js';
import { ContractsJobsProcessor } from './jobs/advance-contract-lifecycle.job.js';
import { ContractsSettlementRepository } from './contracts-settlement.repository.js';
import { ContractsSettlementService } from './contracts-settlement.service.js';
import { ProductEstimateService } from './product-estimate.service.js';
import { ProductsController } from './products.controller.js';
import { ProductsRepository } from './products.repository.js';
import { ProductsService } from './products.service.js';

/**
 * What is sold and who bought it: products (with their sold counters) and contracts live in one
 * module so a purchase updates both in one statement without crossing a boundary.
 */
@Module({
  imports: [CapacityModule, MarketModule, LedgerModule],
  controllers: [ProductsController, ContractsController],
  providers: [
    ProductsRepository,
    ProductsService,
    ProductEstimateService,
    ContractsRepository,
    ContractLifecycleRepository,
    ContractPurchaseService,
    PurchaseGroupWriter,
    ContractsService,
    ContractLifecycleService,
    ContractTerminationService,
    ContractsSettlementRepository,
    ContractsSettlementService,
  ],
  exports: [ProductsService, ContractsService, ContractLifecycleService, ContractsSettlementService],
})
export class ContractsModule {}

/** The contracts queue's lifecycle processor, which declares its hourly schedule (worker and all roles). */
@Module({
  imports: [ContractsModule],
  providers: [ContractsJobsProcessor],
})
export class ContractsWorkerModule {}
