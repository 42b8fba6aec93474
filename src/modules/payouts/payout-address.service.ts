import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { AutoPayoutRepository } from './auto-payout.repository.js';
import { validatePayoutAddress } from '../../common/bitcoin/bitcoin-address.js';
import type { PayoutAddress } from './entities/payout-address.entity.js';
import { PayoutAddressRepository } from './payout-address.repository.js';
import { PayoutGuard, type RequestContext } from './payout-guard.js';
import { PayoutNotifier } from './payout-notifier.js';
import { PayoutsErrors } from './payouts.errors.js';

const HOUR_MS = 3_600_000;

/** The customer's whitelist of payout addresses: two-factor to change, time-locked before use. */
@Injectable()
export class PayoutAddressService {
  constructor(
    private readonly addresses: PayoutAddressRepository,
    private readonly autoPayouts: AutoPayoutRepository,
    private readonly guard: PayoutGuard,
    private readonly notifier: PayoutNotifier,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(userId: string): Promise<PayoutAddress[]> {
    return this.addresses.listActive(userId);
  }

  /**
   * Whitelists an address after a fresh TOTP code. It becomes usable only after the time lock,
   * and the customer is told through the outbox, so a hijacked session shows up in their inbox
   * while there is still time to react.
   */
  async add(user: AuthenticatedUser, input: { address: string; label?: string; totpCode: string }, ctx: RequestContext): Promise<PayoutAddress> {
    await this.guard.limitAddressChange(user.userId, ctx.ip);
    const checked = validatePayoutAddress(input.address, this.config.BITCOIN_NETWORK);
    if (!checked.ok) throw PayoutsErrors.invalidAddress('address', checked.problem, checked.message);
    return this.transactions.run(async (manager) => {
      // Consumed only if the address is added (wrong codes are counted regardless).
      await this.guard.requireTotp(user.userId, input.totpCode, manager);
      const now = this.clock.now();
      const created = await this.addresses.insert(
        {
          userId: user.userId,
          address: checked.value.address,
          addressType: checked.value.type,
          network: checked.value.network,
          label: input.label ?? null,
          createdAt: now,
          usableFrom: new Date(now.getTime() + this.config.PAYOUT_ADDRESS_LOCK_HOURS * HOUR_MS),
        },
        manager,
      );
      if (!created) throw PayoutsErrors.addressExists();
      await this.audit.record(manager, {
        actor: user,
        action: 'payout_address.added',
        entityType: 'payout_address',
        entityId: created.id,
        after: created,
        requestId: ctx.requestId,
      });
      await this.notifier.addressAdded(manager, user, created);
      return created;
    });
  }

  /** Removes an address from the whitelist (TOTP required); automatic payouts to it stop. */
  async remove(user: AuthenticatedUser, addressId: string, totpCode: string, ctx: RequestContext): Promise<PayoutAddress> {
    await this.guard.limitAddressChange(user.userId, ctx.ip);
    const existing = (await this.list(user.userId)).find((a) => a.id === addressId);
    if (!existing) throw PayoutsErrors.addressNotFound();
    return this.transactions.run(async (manager) => {
      await this.guard.requireTotp(user.userId, totpCode, manager);
      const removed = await this.addresses.softRemove(user.userId, addressId, this.clock.now(), manager);
      if (!removed) throw PayoutsErrors.addressNotFound();
      const autoPayoutsStopped = (await this.autoPayouts.deleteForAddress(addressId, manager)) > 0;
      await this.audit.record(manager, {
        actor: user,
        action: 'payout_address.removed',
        entityType: 'payout_address',
        entityId: removed.id,
        before: existing,
        after: { ...removed, autoPayoutsStopped },
        requestId: ctx.requestId,
      });
      await this.notifier.addressRemoved(manager, user, removed, autoPayoutsStopped);
      return removed;
    });
  }
}
