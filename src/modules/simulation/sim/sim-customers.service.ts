import { Injectable } from '@nestjs/common';
import { payments, networks } from 'bitcoinjs-lib';
import { createHash } from 'node:crypto';
import { generate } from 'otplib';
import { DomainError } from '../../../common/errors/domain-error.js';
import { formatUsd } from '../../../common/money/units.js';
import { TotpService } from '../../auth/totp.service.js';
import { formatThs } from '../../../common/money/units.js';
import { ContractsService } from '../../contracts/contracts.service.js';
import { DepositsService } from '../../ledger/deposits.service.js';
import { AutoPayoutService } from '../../payouts/auto-payout.service.js';
import { PayoutAddressService } from '../../payouts/payout-address.service.js';
import { mapLimit } from './concurrency.js';
import type { PlannedCustomer, PlannedDeposit, PlannedPurchase } from './plan.js';
import { customerUser, type SimContext } from './sim-context.js';

/** A mainnet P2WPKH address of the customer's own (derived from its number, valid and unique). */
export function customerPayoutAddress(index: number): string {
  const hash = createHash('sha256').update(`hashmarket-sim-wallet-${index}`).digest().subarray(0, 20);
  return payments.p2wpkh({ hash, network: networks.bitcoin }).address!;
}

/**
 * What customers do in a simulation, through the same services as their HTTP routes: finance
 * records their deposits (DepositsService, keyed by the payment reference), they buy contracts
 * (ContractsService.purchase with an Idempotency-Key) and a few set up automatic payouts
 * (TOTP enrolment, a whitelisted address, a threshold: each step with a fresh code).
 */
@Injectable()
export class SimCustomersService {
  constructor(
    private readonly deposits: DepositsService,
    private readonly contracts: ContractsService,
    private readonly totp: TotpService,
    private readonly addresses: PayoutAddressService,
    private readonly autoPayouts: AutoPayoutService,
  ) {}

  async deposit(ctx: SimContext, items: { customer: PlannedCustomer; deposit: PlannedDeposit }[]): Promise<void> {
    await mapLimit(items, 8, async ({ customer, deposit }) => {
      await this.deposits.record(
        {
          customerId: customerUser(ctx, customer.email).userId,
          currency: 'USD',
          amount: formatUsd(deposit.microUsd),
          externalReference: `sim-${deposit.reference}`,
        },
        ctx.staff.finance,
        `sim-deposit-${deposit.reference}`,
      );
      ctx.stats.deposits++;
    });
  }

  /**
   * Purchases of the step: every product's buyers at once, as on a real market (the purchase
   * service writes concurrent buyers of a product in groups; groups of different products run
   * side by side and lock their ledger balance rows in one global order).
   */
  async purchase(ctx: SimContext, items: { customer: PlannedCustomer; purchase: PlannedPurchase }[]): Promise<void> {
    await Promise.all(
      ctx.world.products.map((product) =>
        this.purchaseConcurrently(
          ctx,
          items.filter((i) => i.purchase.productKey === product.key),
        ),
      ),
    );
  }

  private async purchaseConcurrently(ctx: SimContext, items: { customer: PlannedCustomer; purchase: PlannedPurchase }[]): Promise<void> {
    await mapLimit(items, 64, async ({ customer, purchase }) => {
      const product = ctx.world.products.find((p) => p.key === purchase.productKey)!;
      try {
        const result = await this.contracts.purchase(
          customerUser(ctx, customer.email),
          `sim-${purchase.key}`,
          { productId: product.id, hashrateThs: formatThs(purchase.hashrateGhs) },
          `sim-purchase-${purchase.key}`,
        );
        if (!result.replayed) ctx.stats.purchases++;
      } catch (error) {
        // Refusals are part of the market (sold out, balance short): counted and reported.
        if (!(error instanceof DomainError)) throw error;
        ctx.stats.refused[error.code] = (ctx.stats.refused[error.code] ?? 0) + 1;
      }
    });
  }

  /**
   * Automatic payouts for customers who want them: enable TOTP, whitelist an address, set the
   * threshold; the simulated clock moves 30 s between steps so each step has a fresh code. The
   * address becomes usable after its time lock (48 h), in simulated time.
   */
  async setUpAutoPayouts(ctx: SimContext, customers: PlannedCustomer[]): Promise<void> {
    if (customers.length === 0) return;
    const users = customers.map((c) => ({ customer: c, user: customerUser(ctx, c.email) }));
    const secrets = new Map<string, string>();
    const code = (userId: string) => generate({ secret: secrets.get(userId)!, epoch: Math.floor(ctx.clock.now().getTime() / 1000) });
    await mapLimit(users, 8, async ({ user }) => {
      secrets.set(user.userId, (await this.totp.enroll(user)).secret);
      await this.totp.verifyAndEnable(user, await code(user.userId), 'sim-totp');
    });
    ctx.clock.advanceMs(30_000);
    const addressIds = new Map<string, string>();
    await mapLimit(users, 8, async ({ customer, user }) => {
      const added = await this.addresses.add(
        user,
        { address: customerPayoutAddress(customer.index), label: 'hardware wallet', totpCode: await code(user.userId) },
        { ip: customer.ip, requestId: `sim-address-${customer.index}` },
      );
      addressIds.set(user.userId, added.id);
    });
    ctx.clock.advanceMs(30_000);
    await mapLimit(users, 8, async ({ customer, user }) => {
      await this.autoPayouts.set(
        user,
        { addressId: addressIds.get(user.userId)!, thresholdSats: customer.autoPayout!.thresholdSats, totpCode: await code(user.userId) },
        { ip: customer.ip, requestId: `sim-auto-payout-${customer.index}` },
      );
      ctx.stats.autoPayoutCustomers++;
    });
  }
}
