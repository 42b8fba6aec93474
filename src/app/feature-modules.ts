import type { DynamicModule, Type } from '@nestjs/common';
import { AuditModule } from '../modules/audit/audit.module.js';
import { AuthJobsModule } from '../modules/auth/auth-jobs.module.js';
import { AuthModule } from '../modules/auth/auth.module.js';
import { CustomersModule } from '../modules/customers/customers.module.js';
import { HealthModule } from '../modules/health/health.module.js';
import { PayoutsJobsModule } from '../modules/payouts/payouts-jobs.module.js';
import { PayoutsModule } from '../modules/payouts/payouts.module.js';
import { LedgerModule } from '../modules/ledger/ledger.module.js';
import { MetricsModule } from '../common/metrics/metrics.module.js';
import { QueueModule } from '../common/queue/queue.module.js';
import { CapacityModule, CapacityWorkerModule } from '../modules/capacity/capacity.module.js';
import { ContractsModule, ContractsWorkerModule } from '../modules/contracts/contracts.module.js';
import { MarketModule } from '../modules/market/market.module.js';
import { OutboxModule } from '../modules/outbox/outbox.module.js';
import { SettlementModule, SettlementWorkerModule } from '../modules/settlement/settlement.module.js';
import { SimulationModule } from '../modules/simulation/simulation.module.js';
import { OperationsModule } from '../modules/operations/operations.module.js';

/** Domain modules: HTTP controllers and services (loaded by every role). */
export const FEATURE_MODULES: (Type | DynamicModule)[] = [MetricsModule, QueueModule, HealthModule, AuditModule, AuthModule, CustomersModule, LedgerModule];
FEATURE_MODULES.push(PayoutsModule);
FEATURE_MODULES.push(OutboxModule, CapacityModule, MarketModule, ContractsModule);

/** Modules holding BullMQ processors and schedulers (loaded by the worker and all roles). */
export const WORKER_MODULES: (Type | DynamicModule)[] = [AuthJobsModule];
WORKER_MODULES.push(CapacityWorkerModule, ContractsWorkerModule);
FEATURE_MODULES.push(SettlementModule);
WORKER_MODULES.push(SettlementWorkerModule);
WORKER_MODULES.push(PayoutsJobsModule);
FEATURE_MODULES.push(SimulationModule, OperationsModule);
