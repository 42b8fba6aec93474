import { AuditEntry } from '../modules/audit/entities/audit-entry.entity.js';
import { AutoPayoutSetting } from '../modules/payouts/entities/auto-payout-setting.entity.js';
import { BtcPrice } from '../modules/market/entities/btc-price.entity.js';
import { Contract } from '../modules/contracts/entities/contract.entity.js';
import { ContractSettlementState } from '../modules/settlement/entities/contract-settlement-state.entity.js';
import { ContractStatusChange } from '../modules/contracts/entities/contract-status-change.entity.js';
import { Fleet } from '../modules/capacity/entities/fleet.entity.js';
import { FleetStatusChange } from '../modules/capacity/entities/fleet-status-change.entity.js';
import { HashrateReport } from '../modules/capacity/entities/hashrate-report.entity.js';
import { LedgerAccount } from '../modules/ledger/entities/ledger-account.entity.js';
import { LedgerBalance } from '../modules/ledger/entities/ledger-balance.entity.js';
import { LedgerEntry } from '../modules/ledger/entities/ledger-entry.entity.js';
import { LedgerPosting } from '../modules/ledger/entities/ledger-posting.entity.js';
import { MinerModel } from '../modules/capacity/entities/miner-model.entity.js';
import { NetworkDifficulty } from '../modules/market/entities/network-difficulty.entity.js';
import { OutboxMessage } from '../modules/outbox/entities/outbox-message.entity.js';
import { PayoutAddress } from '../modules/payouts/entities/payout-address.entity.js';
import { PayoutBatch } from '../modules/payouts/entities/payout-batch.entity.js';
import { PayoutBatchItem } from '../modules/payouts/entities/payout-batch-item.entity.js';
import { Pool } from '../modules/capacity/entities/pool.entity.js';
import { PoolEarning } from '../modules/settlement/entities/pool-earning.entity.js';
import { PoolPayout } from '../modules/settlement/entities/pool-payout.entity.js';
import { Product } from '../modules/contracts/entities/product.entity.js';
import { RefreshToken } from '../modules/auth/entities/refresh-token.entity.js';
import { RoutingChange } from '../modules/capacity/entities/routing-change.entity.js';
import { SettlementChunk } from '../modules/settlement/entities/settlement-chunk.entity.js';
import { SettlementDay } from '../modules/settlement/entities/settlement-day.entity.js';
import { SettlementRun } from '../modules/settlement/entities/settlement-run.entity.js';
import { SettlementRunWeight } from '../modules/settlement/entities/settlement-run-weight.entity.js';
import { SettlementRunState } from '../modules/settlement/entities/settlement-run-state.entity.js';
import { Site } from '../modules/capacity/entities/site.entity.js';
import { User } from '../modules/auth/entities/user.entity.js';
import { Withdrawal } from '../modules/payouts/entities/withdrawal.entity.js';
import { WithdrawalDailyUsage } from '../modules/payouts/entities/withdrawal-daily-usage.entity.js';

/**
 * Every entity the DataSource knows. Each module owns its entities; this file only gathers
 * them so the app and the TypeORM CLI see the same schema.
 */
export const ENTITIES: Function[] = [AuditEntry, User, RefreshToken, LedgerAccount, LedgerBalance, LedgerEntry, LedgerPosting];
ENTITIES.push(OutboxMessage, Site, MinerModel, Pool, Fleet, FleetStatusChange, RoutingChange, HashrateReport);
ENTITIES.push(BtcPrice, NetworkDifficulty, Product, Contract, ContractStatusChange);
ENTITIES.push(PoolEarning, PoolPayout, SettlementRun, SettlementChunk, SettlementRunWeight, SettlementRunState, SettlementDay, ContractSettlementState);
ENTITIES.push(PayoutAddress, Withdrawal, WithdrawalDailyUsage, PayoutBatch, PayoutBatchItem, AutoPayoutSetting);
