import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { MarketModule } from '../market/market.module.js';
import { PayoutsModule } from '../payouts/payouts.module.js';
import { SettlementModule } from '../settlement/settlement.module.js';
import { OperationsController } from './operations.controller.js';
import { OperationsMetrics } from './operations.metrics.js';
import { OperationsService } from './operations.service.js';

/**
 * Operators' and finance's views across modules: capacity history, settlement runs
 * and pending withdrawals as JSON and CSV (the receivable aging is settlement's, beside its
 * reconciliation), and money gauges for Prometheus. Owns no tables.
 */
@Module({
  imports: [CapacityModule, ContractsModule, LedgerModule, MarketModule, PayoutsModule, SettlementModule],
  controllers: [OperationsController],
  providers: [OperationsService, OperationsMetrics],
})
export class OperationsModule {}
