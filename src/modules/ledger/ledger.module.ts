import { Module } from '@nestjs/common';
import { DepositsController } from './deposits.controller.js';
import { DepositsService } from './deposits.service.js';
import { LedgerController } from './ledger.controller.js';
import { LedgerEntryBuilder } from './ledger-entry.builder.js';
import { LedgerFinanceController } from './ledger-finance.controller.js';
import { LedgerIntegrityRepository } from './ledger-integrity.repository.js';
import { LedgerIntegrityService } from './ledger-integrity.service.js';
import { LedgerRepository } from './ledger.repository.js';
import { LedgerGroupCommit } from './ledger-group-commit.js';
import { LedgerService } from './ledger.service.js';
import { LedgerStatementsRepository } from './ledger-statements.repository.js';
import { LedgerStatementsService } from './ledger-statements.service.js';

/** The double-entry ledger: the only writer of postings and balances. Other modules call LedgerService. */
@Module({
  controllers: [LedgerController, DepositsController, LedgerFinanceController],
  providers: [
    LedgerRepository,
    LedgerEntryBuilder,
    LedgerService,
    LedgerGroupCommit,
    LedgerStatementsRepository,
    LedgerStatementsService,
    LedgerIntegrityRepository,
    LedgerIntegrityService,
    DepositsService,
  ],
  exports: [LedgerService, LedgerIntegrityService, DepositsService],
})
export class LedgerModule {}
