import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module.js';
import { AutoPayoutController, AutoPayoutRunController } from './auto-payout.controller.js';
import { AutoPayoutRepository } from './auto-payout.repository.js';
import { AutoPayoutService } from './auto-payout.service.js';
import { FinanceWithdrawalController } from './finance-withdrawal.controller.js';
import { PayoutAddressController } from './payout-address.controller.js';
import { PayoutAddressRepository } from './payout-address.repository.js';
import { PayoutAddressService } from './payout-address.service.js';
import { PayoutBatchController } from './payout-batch.controller.js';
import { PayoutBatchRepository } from './payout-batch.repository.js';
import { PayoutBatchService } from './payout-batch.service.js';
import { PayoutGuard } from './payout-guard.js';
import { PayoutLedger } from './payout-ledger.js';
import { PayoutNotifier } from './payout-notifier.js';
import { WithdrawalController } from './withdrawal.controller.js';
import { WithdrawalRepository } from './withdrawal.repository.js';
import { WithdrawalRequestService } from './withdrawal-request.service.js';
import { WithdrawalReviewService } from './withdrawal-review.service.js';

/**
 * Getting BTC out: whitelisted addresses, withdrawals, automatic payouts and payout batches.
 * Exports AutoPayoutService so settlement (or an operator CLI) can trigger a day's run.
 */
@Module({
  imports: [LedgerModule],
  controllers: [
    PayoutAddressController,
    WithdrawalController,
    AutoPayoutController,
    FinanceWithdrawalController,
    PayoutBatchController,
    AutoPayoutRunController,
  ],
  providers: [
    PayoutAddressRepository,
    WithdrawalRepository,
    PayoutBatchRepository,
    AutoPayoutRepository,
    PayoutGuard,
    PayoutLedger,
    PayoutNotifier,
    PayoutAddressService,
    WithdrawalRequestService,
    WithdrawalReviewService,
    PayoutBatchService,
    AutoPayoutService,
  ],
  exports: [AutoPayoutService, PayoutAddressService, WithdrawalReviewService, PayoutBatchService],
})
export class PayoutsModule {}
