import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { formatAmount, parseAmount } from '../../common/money/units.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import type { CreateDepositDto, DepositDto } from './dto/create-deposit.dto.js';
import { customerAccount, platformAccount } from './ledger.accounts.js';
import { LedgerService } from './ledger.service.js';

/** Deposits recorded by finance: an external payment credited to a customer, once per reference. */
@Injectable()
export class DepositsService {
  constructor(
    private readonly ledger: LedgerService,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  /** Credits the customer; the external reference is the idempotency key. Audited in the same transaction. */
  async record(dto: CreateDepositDto, user: AuthenticatedUser, requestId: string): Promise<DepositDto> {
    const amount = parseAmount(dto.currency, dto.amount, 'amount', 'positive');
    const actor = { userId: user.userId, role: user.role };
    return this.transactions.run(async (manager) => {
      const entry = await this.ledger.transfer(
        {
          type: 'deposit',
          idempotencyKey: `deposit:${dto.externalReference}`,
          reference: dto.externalReference,
          actor,
          from: platformAccount('customer_deposits', dto.currency),
          to: customerAccount(dto.customerId, dto.currency),
          amount,
        },
        manager,
      );
      const deposit: DepositDto = {
        entryId: entry.entryId,
        customerId: dto.customerId.toLowerCase(),
        currency: dto.currency,
        amount: formatAmount(dto.currency, amount),
        externalReference: dto.externalReference,
        postedAt: entry.postedAt.toISOString(),
        replayed: entry.replayed,
      };
      // A replay changed nothing, so there is nothing to audit.
      if (!entry.replayed) {
        await this.audit.record(manager, { actor, action: 'ledger.deposit', entityType: 'ledger_entry', entityId: entry.entryId, after: deposit, requestId });
      }
      return deposit;
    });
  }
}
