import { Module } from '@nestjs/common';
import { CapacityFiguresRepository } from './capacity-figures.repository.js';
import { CapacityRepository } from './capacity.repository.js';
import { CapacityService } from './capacity.service.js';
import { FleetsService } from './fleets.service.js';
import { HashrateReportsController } from './hashrate-reports.controller.js';
import { HashrateReportsRepository } from './hashrate-reports.repository.js';
import { HashrateReportsService } from './hashrate-reports.service.js';
import { CapacityJobsProcessor } from './jobs/apply-due-routing-changes.job.js';
import { MinerModelsService } from './miner-models.service.js';
import { FleetsController, PoolsController, RoutingChangesController } from './pools.controller.js';
import { PoolsService } from './pools.service.js';
import { RoutingChangesRepository } from './routing-changes.repository.js';
import { RoutingChangesService } from './routing-changes.service.js';
import { MinerModelsController, SitesController } from './sites.controller.js';
import { SitesService } from './sites.service.js';

/** Sites, miner models, pools, fleets, guarded routing changes and hash-rate reports. */
@Module({
  controllers: [SitesController, MinerModelsController, PoolsController, FleetsController, RoutingChangesController, HashrateReportsController],
  providers: [
    CapacityRepository,
    CapacityFiguresRepository,
    RoutingChangesRepository,
    HashrateReportsRepository,
    SitesService,
    MinerModelsService,
    PoolsService,
    FleetsService,
    RoutingChangesService,
    HashrateReportsService,
    CapacityService,
  ],
  exports: [CapacityService, RoutingChangesService, HashrateReportsService, SitesService, MinerModelsService, PoolsService, FleetsService],
})
export class CapacityModule {}

/** The capacity queue's processor, which declares its every-minute schedule (worker and all roles). */
@Module({
  imports: [CapacityModule],
  providers: [CapacityJobsProcessor],
})
export class CapacityWorkerModule {}
