import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { MarketModule } from '../market/market.module.js';
import { PayoutsModule } from '../payouts/payouts.module.js';
import { SettlementModule } from '../settlement/settlement.module.js';
import { DemoSeedService } from './demo/demo-seed.service.js';
import { MarketHistoryService } from './market-history/market-history.service.js';
import { SimCustomersService } from './sim/sim-customers.service.js';
import { SimOperationsService } from './sim/sim-operations.service.js';
import { SimReportService } from './sim/sim-report.service.js';
import { SimulationService } from './sim/simulation.service.js';
import { WorldService } from './world/world.service.js';

/**
 * The bundled market history import, the demo seed and the simulation. Owns no tables: every
 * write goes through the owning module's service (and, for settlement, its queue and worker).
 */
@Module({
  imports: [CapacityModule, ContractsModule, LedgerModule, MarketModule, PayoutsModule, SettlementModule],
  providers: [MarketHistoryService, WorldService, DemoSeedService, SimCustomersService, SimOperationsService, SimReportService, SimulationService],
  exports: [MarketHistoryService, DemoSeedService, SimulationService],
})
export class SimulationModule {}
