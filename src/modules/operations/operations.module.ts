import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { MarketModule } from '../market/market.module.js';
import { PayoutsModule } from '../payouts/payouts.module.js';
import { SettlementModule } from '../settlement/settlement.module.js';
import { CapacityViewController } from './capacity-view.controller.js';
import { CapacityViewService } from './capacity-view.service.js';
import { OperationsController } from './operations.controller.js';
import { OperationsMetrics } from './operations.metrics.js';
import { OperationsService } from './operations.service.js';

/**
 * The read models: operators' and finance's views across modules (the capacity picture at
 * GET /v1/capacity, capacity history, settlement runs and pending withdrawals as JSON and CSV,
 * and money gauges for Prometheus; the receivable aging is settlement's, beside its
 * reconciliation). It sits above the modules it reads (capacity and contracts among them,
 * products depending on capacity), so none of them can import it back without a cycle. Owns no
 * tables.
 */
@Module({
  imports: [CapacityModule, ContractsModule, LedgerModule, MarketModule, PayoutsModule, SettlementModule],
  controllers: [OperationsController, CapacityViewController],
  providers: [OperationsService, OperationsMetrics, CapacityViewService],
})
export class OperationsModule {}
