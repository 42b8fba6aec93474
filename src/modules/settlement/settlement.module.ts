import { BullModule } from '@nestjs/bullmq';
import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CapacityModule } from '../capacity/capacity.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { MarketModule } from '../market/market.module.js';
import { SettlementEngineRepository } from './engine/settlement-engine.repository.js';
import { SettlementEngine } from './engine/settlement-engine.service.js';
import { SettlementStatesRepository } from './engine/settlement-states.repository.js';
import { SettlementInputsRepository } from './inputs/settlement-inputs.repository.js';
import { SettlementInputsService } from './inputs/settlement-inputs.service.js';
import { MarketImportController } from './market-import.controller.js';
import { ReconciliationController } from './reconciliation.controller.js';
import { SETTLEMENT_FLOW_PRODUCER, SettlementFlowService } from './runs/settlement-flow.service.js';
import { SettlementProcessor, SettlementSweeper } from './runs/settlement.job.js';
import { SettlementRunsRepository } from './runs/settlement-runs.repository.js';
import { SettlementRunsService } from './runs/settlement-runs.service.js';
import { SettlementInputsController } from './settlement-inputs.controller.js';
import { SettlementRunsController } from './settlement-runs.controller.js';
import { SettlementMetrics } from './settlement.metrics.js';
import { ContractSettlementsRepository } from './views/contract-settlements.repository.js';
import { ContractSettlementsService } from './views/contract-settlements.service.js';
import { ReconciliationRepository } from './views/reconciliation.repository.js';
import { ReconciliationService } from './views/reconciliation.service.js';

const CSV_BODY_LIMIT = 8 * 1024 * 1024;

/**
 * Daily settlement, in rooms: inputs/ (pool earnings and payouts), runs/ (trigger, refresh,
 * sweep, flows, the job), engine/ (prepare, chunks, finalize: the set-based split) and views/
 * (reconciliation, receivable aging, the customer's view).
 */
@Module({
  imports: [BullModule.registerFlowProducer({ name: SETTLEMENT_FLOW_PRODUCER }), CapacityModule, ContractsModule, LedgerModule, MarketModule],
  controllers: [SettlementInputsController, SettlementRunsController, ReconciliationController, MarketImportController],
  providers: [
    // inputs: what pools report and pay
    SettlementInputsRepository,
    SettlementInputsService,
    // runs: trigger, refresh, sweep, flows
    SettlementRunsRepository,
    SettlementFlowService,
    SettlementRunsService,
    // engine: prepare, chunks, finalize
    SettlementEngineRepository,
    SettlementStatesRepository,
    SettlementEngine,
    // views: reconciliation, receivable aging, the customer's days
    ReconciliationRepository,
    ReconciliationService,
    ContractSettlementsRepository,
    ContractSettlementsService,
    SettlementMetrics,
  ],
  exports: [SettlementRunsService, SettlementEngine, SettlementInputsService, ReconciliationService],
})
export class SettlementModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** CSV imports post text/csv bodies; Fastify parses JSON only until told otherwise. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.<{
      hasContentTypeParser(type: string): boolean;
      addContentTypeParser(type: string, opts: object, parser: (req: unknown, body: string, done: (err: Error | null, body?: unknown) => void) => void): void;
    }>();
    if (!fastify?.hasContentTypeParser || fastify.hasContentTypeParser('text/csv')) return;
    fastify.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT }, (_req, body, done) => done(null, body));
  }
}

/** The settlement queue's processor and the sweep/schedule (worker and all roles). */
@Module({
  imports: [SettlementModule],
  providers: [SettlementProcessor, SettlementSweeper],
})
export class SettlementWorkerModule {}
