import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { CapacityViewController } from './capacity-view.controller.js';
import { CapacityViewService } from './capacity-view.service.js';

/**
 * GET /v1/capacity: reads capacity (fleets, pools) and sales (products, contracts). It sits above
 * both modules because products already depend on capacity; putting it in either would make a cycle.
 */
@Module({
  imports: [CapacityModule, ContractsModule],
  controllers: [CapacityViewController],
  providers: [CapacityViewService],
})
export class CapacityViewModule {}
