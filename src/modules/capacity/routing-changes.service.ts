import { Inject, Injectable, Logger } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { Clock } from '../../common/clock/clock.js';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import type { RequestContext } from '../../common/http/request-context.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { TransactionRunner, sqlState } from '../../database/transaction.js';
import { AuditService, SYSTEM_ACTOR, type AuditActor } from '../audit/audit.service.js';
import { OutboxService } from '../outbox/outbox.service.js';
import { isValidBitcoinAddress } from '../../common/bitcoin/bitcoin-address.js';
import { CapacityRepository } from './capacity.repository.js';
import { ChangeAlreadyOpenError, ChangeNotOpenError, SelfApprovalError, fleetNotFound, poolNotFound, routingChangeNotFound } from './capacity.errors.js';
import { routingChangeView } from './capacity.views.js';
import { STRATUM_ENDPOINT } from './dto/pool.dto.js';
import type { CreateRoutingChangeDto } from './dto/routing-change.dto.js';
import type { RoutingChange, RoutingChangeStatus } from './entities/routing-change.entity.js';
import { RoutingChangesRepository } from './routing-changes.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const DESCRIPTIONS: Record<RoutingChange['kind'], string> = {
  pool_payout_address: 'pool payout address',
  pool_stratum_endpoint: 'pool stratum endpoint',
  fleet_pool: 'fleet pool assignment',
};

type ChangeEvent = 'requested' | 'approved' | 'cancelled' | 'applied';

/**
 * Guarded routing changes: where a pool pays and where fleets point. One staff user requests,
 * another approves, the change applies once its delay has passed (by the capacity job, or on the
 * next read that finds it due), and anyone on staff can cancel it until then. Every step is
 * audited and announced through the outbox in the same transaction.
 */
@Injectable()
export class RoutingChangesService {
  private readonly logger = new Logger(RoutingChangesService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: RoutingChangesRepository,
    private readonly capacity: CapacityRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async request(ctx: RequestContext, dto: CreateRoutingChangeDto) {
    const view = await this.tx.run(async (manager) => {
      const now = this.clock.now();
      const base = {
        kind: dto.kind,
        newValue: dto.newValue,
        reason: dto.reason ?? null,
        status: 'requested' as const,
        requestedBy: ctx.user.userId,
        requestedAt: now,
      };
      let change: RoutingChange;
      try {
        if (dto.kind === 'fleet_pool') {
          const fleet = await this.capacity.findFleet(dto.targetId, true, manager);
          if (!fleet) throw fleetNotFound();
          if (!UUID.test(dto.newValue)) throw new ValidationFailedError('newValue', 'must be the id of the pool the fleet moves to');
          if (!(await this.capacity.findPool(dto.newValue, false, manager))) throw new ValidationFailedError('newValue', 'is not an existing pool');
          if (dto.newValue.toLowerCase() === fleet.poolId) throw new ValidationFailedError('newValue', 'is the pool the fleet already points at');
          change = await this.repository.insert(
            {
              ...base,
              newValue: dto.newValue.toLowerCase(),
              targetKey: `fleet:${fleet.id}:pool`,
              poolId: fleet.poolId,
              fleetId: fleet.id,
              toPoolId: dto.newValue.toLowerCase(),
              oldValue: fleet.poolId,
            },
            manager,
          );
        } else {
          const pool = await this.capacity.findPool(dto.targetId, true, manager);
          if (!pool) throw poolNotFound();
          const current = dto.kind === 'pool_payout_address' ? pool.payoutAddress : pool.stratumEndpoint;
          this.assertNewValue(dto.kind, dto.newValue);
          if (dto.newValue === current) throw new ValidationFailedError('newValue', 'is the current value');
          const setting = dto.kind === 'pool_payout_address' ? 'payout_address' : 'stratum_endpoint';
          change = await this.repository.insert(
            { ...base, targetKey: `pool:${pool.id}:${setting}`, poolId: pool.id, fleetId: null, toPoolId: null, oldValue: current },
            manager,
          );
        }
      } catch (error) {
        if (sqlState(error) === '23505') throw new ChangeAlreadyOpenError();
        throw error;
      }
      return this.record(manager, change, 'requested', ctx.user, ctx.requestId, null);
    });
    return view;
  }

  private assertNewValue(kind: RoutingChange['kind'], value: string): void {
    if (kind === 'pool_payout_address' && !isValidBitcoinAddress(value, this.config.BITCOIN_NETWORK)) {
      throw new ValidationFailedError('newValue', `must be a valid Bitcoin address on ${this.config.BITCOIN_NETWORK}`);
    }
    if (kind === 'pool_stratum_endpoint' && !STRATUM_ENDPOINT.test(value)) {
      throw new ValidationFailedError('newValue', 'must look like stratum+tcp://host:port');
    }
  }

  /** A second staff user approves: the change is scheduled for now + CAPACITY_CHANGE_DELAY_HOURS. */
  async approve(ctx: RequestContext, id: string) {
    const view = await this.tx.run(async (manager) => {
      const change = await this.repository.find(id, true, manager);
      if (!change) throw routingChangeNotFound();
      if (change.status !== 'requested') throw new ChangeNotOpenError(change.status, 'approved');
      if (change.requestedBy === ctx.user.userId) throw new SelfApprovalError();
      const before = routingChangeView(change);
      const now = this.clock.now();
      change.status = 'approved';
      change.approvedBy = ctx.user.userId;
      change.approvedAt = now;
      change.effectiveAt = new Date(now.getTime() + Math.round(this.config.CAPACITY_CHANGE_DELAY_HOURS * 3_600_000));
      const saved = await this.repository.save(change, manager);
      return this.record(manager, saved, 'approved', ctx.user, ctx.requestId, before);
    });
    // With no delay configured the change is due at once.
    if (new Date(view.effectiveAt as Date).getTime() <= this.clock.now().getTime()) {
      await this.applyDue();
      return this.get(id);
    }
    return view;
  }

  /** Any operator or admin may cancel an open change (cancelling is always the safe direction). */
  async cancel(ctx: RequestContext, id: string, reason: string | undefined) {
    await this.applyDue();
    return this.tx.run(async (manager) => {
      const change = await this.repository.find(id, true, manager);
      if (!change) throw routingChangeNotFound();
      if (change.status !== 'requested' && change.status !== 'approved') throw new ChangeNotOpenError(change.status, 'cancelled');
      const before = routingChangeView(change);
      change.status = 'cancelled';
      change.cancelledBy = ctx.user.userId;
      change.cancelledAt = this.clock.now();
      change.cancelReason = reason ?? null;
      const saved = await this.repository.save(change, manager);
      return this.record(manager, saved, 'cancelled', ctx.user, ctx.requestId, before);
    });
  }

  /**
   * Applies every approved change whose time has come, each in its own transaction under the
   * change's row lock and re-checked there, so the job and concurrent readers apply it once.
   */
  async applyDue(): Promise<number> {
    const now = this.clock.now();
    const ids = await this.repository.findDueIds(now, 500);
    let applied = 0;
    for (const id of ids) {
      const done = await this.tx.run(async (manager) => {
        const change = await this.repository.find(id, true, manager);
        if (!change || change.status !== 'approved' || !change.effectiveAt || change.effectiveAt.getTime() > now.getTime()) return false;
        const before = routingChangeView(change);
        // Marked applied first: the pools/fleets triggers accept only a value an applied change set.
        change.status = 'applied';
        change.appliedAt = this.clock.now();
        const saved = await this.repository.save(change, manager);
        await this.applyChange(manager, saved);
        await this.record(manager, saved, 'applied', SYSTEM_ACTOR, null, before);
        return true;
      });
      if (done) applied++;
    }
    if (applied > 0) this.logger.log(`applied ${applied} routing change(s)`);
    return applied;
  }

  private async applyChange(manager: EntityManager, change: RoutingChange): Promise<void> {
    if (change.kind === 'fleet_pool') {
      const fleet = await this.capacity.findFleet(change.fleetId as string, true, manager);
      if (!fleet) throw fleetNotFound();
      await this.capacity.lockPools([fleet.poolId, change.toPoolId as string], manager);
      await this.capacity.moveFleetToPool(fleet.id, change.toPoolId as string, manager);
      return;
    }
    await this.capacity.lockPools([change.poolId as string], manager);
    await this.capacity.updatePoolSetting(
      change.poolId as string,
      change.kind === 'pool_payout_address' ? 'payout_address' : 'stratum_endpoint',
      change.newValue,
      manager,
    );
  }

  async list(status: RoutingChangeStatus | undefined) {
    await this.applyDue();
    return (await this.repository.list({ status, limit: 200 })).map(routingChangeView);
  }

  async get(id: string) {
    await this.applyDue();
    const change = await this.repository.find(id);
    if (!change) throw routingChangeNotFound();
    return routingChangeView(change);
  }

  /** Open (requested or approved) changes touching a pool, or all of them. */
  async openForPool(poolId?: string) {
    return (await this.repository.listOpen(poolId)).map(routingChangeView);
  }

  /** Audit entry and outbox announcement for one step, in the caller's transaction. */
  private async record(manager: EntityManager, change: RoutingChange, event: ChangeEvent, actor: AuditActor, requestId: string | null, before: object | null) {
    const view = routingChangeView(change);
    await this.audit.record(manager, {
      actor,
      action: `capacity.routing_change.${event}`,
      entityType: 'routing_change',
      entityId: change.id,
      before,
      after: view,
      requestId,
    });
    const what = DESCRIPTIONS[change.kind];
    const target = change.kind === 'fleet_pool' ? `fleet ${change.fleetId}` : `pool ${change.poolId}`;
    const when = event === 'approved' ? `; takes effect at ${change.effectiveAt?.toISOString()} unless cancelled` : '';
    await this.outbox.add(manager, `capacity.routing_change.${event}`, {
      event: `capacity.routing_change.${event}`,
      audience: 'staff',
      subject: `Routing change ${event}: ${what} of ${target}`,
      text: `The ${what} of ${target} change from "${change.oldValue}" to "${change.newValue}" was ${event}${when}.`,
      change: view,
      actor: { userId: actor.userId, role: actor.role },
      occurredAt: this.clock.now().toISOString(),
    });
    return view;
  }
}
