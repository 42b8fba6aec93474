import { Inject, Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import type { RequestContext } from '../../common/http/request-context.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { isValidBitcoinAddress } from '../../common/bitcoin/bitcoin-address.js';
import { CapacityRepository } from './capacity.repository.js';
import { GuardedSettingError, poolNotFound, rethrowInUse, rethrowNameTaken } from './capacity.errors.js';
import { poolView } from './capacity.views.js';
import type { CreatePoolDto, UpdatePoolDto } from './dto/pool.dto.js';
import { RoutingChangesService } from './routing-changes.service.js';

/**
 * Pool accounts. Name, payout scheme and fee change directly; the payout address and the stratum
 * endpoint only through routing change requests (RoutingChangesService).
 */
@Injectable()
export class PoolsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: CapacityRepository,
    private readonly audit: AuditService,
    private readonly routingChanges: RoutingChangesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  assertPayoutAddress(value: string, field: string): void {
    if (!isValidBitcoinAddress(value, this.config.BITCOIN_NETWORK)) {
      throw new ValidationFailedError(field, `must be a valid Bitcoin address on ${this.config.BITCOIN_NETWORK}`);
    }
  }

  async create(ctx: RequestContext, dto: CreatePoolDto) {
    this.assertPayoutAddress(dto.payoutAddress, 'payoutAddress');
    return this.tx.run(async (manager) => {
      const pool = await this.repository.insertPool(dto, manager).catch((e: unknown) => rethrowNameTaken(e, 'pool', dto.name));
      const view = poolView(pool);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.pool.created',
        entityType: 'pool',
        entityId: pool.id,
        after: view,
        requestId: ctx.requestId,
      });
      return view;
    });
  }

  async list() {
    await this.routingChanges.applyDue();
    return (await this.repository.listPools()).map(poolView);
  }

  async get(id: string) {
    await this.routingChanges.applyDue();
    const pool = await this.repository.findPool(id);
    if (!pool) throw poolNotFound();
    return { ...poolView(pool), pendingChanges: await this.routingChanges.openForPool(id) };
  }

  async update(ctx: RequestContext, id: string, dto: UpdatePoolDto) {
    if (dto.payoutAddress !== undefined) throw new GuardedSettingError('payoutAddress');
    if (dto.stratumEndpoint !== undefined) throw new GuardedSettingError('stratumEndpoint');
    return this.tx.run(async (manager) => {
      const pool = await this.repository.findPool(id, true, manager);
      if (!pool) throw poolNotFound();
      const before = poolView(pool);
      if (dto.name !== undefined) pool.name = dto.name;
      if (dto.payoutScheme !== undefined) pool.payoutScheme = dto.payoutScheme;
      if (dto.feeBps !== undefined) pool.feeBps = dto.feeBps;
      const saved = await this.repository.savePool(pool, manager).catch((e: unknown) => rethrowNameTaken(e, 'pool', pool.name));
      const after = poolView(saved);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.pool.updated',
        entityType: 'pool',
        entityId: id,
        before,
        after,
        requestId: ctx.requestId,
      });
      return after;
    });
  }

  /** Only a pool nothing refers to (fleets, products, change requests, reports) can be deleted. */
  async remove(ctx: RequestContext, id: string): Promise<void> {
    await this.tx.run(async (manager) => {
      const pool = await this.repository.findPool(id, true, manager);
      if (!pool) throw poolNotFound();
      await this.repository
        .deletePool(id, manager)
        .catch((e: unknown) => rethrowInUse(e, 'The pool', 'fleets, products, change requests or hash-rate reports'));
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.pool.deleted',
        entityType: 'pool',
        entityId: id,
        before: poolView(pool),
        requestId: ctx.requestId,
      });
    });
  }
}
