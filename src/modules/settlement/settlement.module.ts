import { BullModule } from '@nestjs/bullmq';
import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CapacityModule } from '../capacity/capacity.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { MarketModule } from '../market/market.module.js';
import { ContractSettlementsService } from './contract-settlements.service.js';
import { SettlementProcessor, SettlementSweeper } from './jobs/settlement.job.js';
import { MarketImportController } from './market-import.controller.js';
import { ReconciliationRepository } from './reconciliation.repository.js';
import { ReconciliationService } from './reconciliation.service.js';
import { SettlementEngine } from './settlement-engine.service.js';
import { SETTLEMENT_FLOW_PRODUCER, SettlementFlowService } from './settlement-flow.service.js';
import { SettlementInputsController } from './settlement-inputs.controller.js';
import { SettlementInputsRepository } from './settlement-inputs.repository.js';
import { SettlementInputsService } from './settlement-inputs.service.js';
import { SettlementRunsController } from './settlement-runs.controller.js';
import { SettlementRunsService } from './settlement-runs.service.js';
import { SettlementMetrics } from './settlement.metrics.js';
import { SettlementRepository } from './settlement.repository.js';

const CSV_BODY_LIMIT = 8 * 1024 * 1024;

/** Daily settlement: inputs, runs, the set-based split, reconciliation and the customer's view. */
@Module({
  imports: [BullModule.registerFlowProducer({ name: SETTLEMENT_FLOW_PRODUCER }), CapacityModule, ContractsModule, LedgerModule, MarketModule],
  controllers: [SettlementInputsController, SettlementRunsController, MarketImportController],
  providers: [
    SettlementRepository,
    SettlementInputsRepository,
    SettlementInputsService,
    SettlementEngine,
    SettlementFlowService,
    SettlementRunsService,
    ReconciliationRepository,
    ReconciliationService,
    ContractSettlementsService,
    SettlementMetrics,
  ],
  exports: [SettlementRunsService, SettlementEngine, SettlementInputsService, ReconciliationService],
})
export class SettlementModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** CSV imports post text/csv bodies; Fastify parses JSON only until told otherwise. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as
      | { hasContentTypeParser(type: string): boolean; addContentTypeParser(type: string, opts: object, parser: (req: unknown, body: string, done: (err: Error | null, body?: unknown) => void) => void): void }
      | undefined;
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
