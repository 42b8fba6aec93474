import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock/clock.js';
import type { RequestContext } from '../../common/http/request-context.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { CapacityRepository } from './capacity.repository.js';
import {
  FleetOnlineError,
  GuardedSettingError,
  SitePowerExceededError,
  fleetNotFound,
  minerModelNotFound,
  poolNotFound,
  rethrowInUse,
  rethrowNameTaken,
  siteNotFound,
} from './capacity.errors.js';
import { fleetView, statusChangeView } from './capacity.views.js';
import type { CreateFleetDto, FleetFilterDto, SetFleetStatusDto, UpdateFleetDto } from './dto/fleet.dto.js';
import type { Fleet } from './entities/fleet.entity.js';
import { RoutingChangesService } from './routing-changes.service.js';

/**
 * Fleets. Lock order everywhere: fleet, then site(s), then pool(s), so concurrent changes queue
 * instead of deadlocking. A fleet's pool changes only through a routing change request.
 */
@Injectable()
export class FleetsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: CapacityRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly routingChanges: RoutingChangesService,
  ) {}

  /** The site's row lock is held: no other fleet change at this site can interleave with the check. */
  private async assertSitePower(
    manager: EntityManager,
    siteId: string,
    field: string,
    excludeFleetId: string | null,
    extra: { unitCount: number; minerModelId: string },
  ) {
    const draw = await this.repository.projectedSiteDraw(siteId, excludeFleetId, extra, manager);
    if (draw.exceeds) throw new SitePowerExceededError(field, trimKw(draw.drawKw), trimKw(draw.capacityKw));
  }

  async create(ctx: RequestContext, dto: CreateFleetDto) {
    return this.tx.run(async (manager) => {
      if (!(await this.repository.findSite(dto.siteId, true, manager))) throw siteNotFound();
      if (!(await this.repository.lockPools([dto.poolId], manager)).length) throw poolNotFound();
      const model = await this.repository.findMinerModel(dto.minerModelId, 'read', manager);
      if (!model) throw minerModelNotFound();
      await this.assertSitePower(manager, dto.siteId, 'unitCount', null, { unitCount: dto.unitCount, minerModelId: dto.minerModelId });
      const now = this.clock.now();
      const status = dto.status ?? 'online';
      const fleet = await this.repository
        .insertFleet(
          { name: dto.name, siteId: dto.siteId, minerModelId: dto.minerModelId, poolId: dto.poolId, unitCount: dto.unitCount, status, statusChangedAt: now },
          manager,
        )
        .catch((e: unknown) => rethrowNameTaken(e, 'fleet', dto.name));
      await this.repository.insertStatusChange(
        { fleetId: fleet.id, fromStatus: null, toStatus: status, changedAt: now, changedBy: ctx.user.userId, reason: 'created' },
        manager,
      );
      const view = fleetView(fleet, model);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.fleet.created',
        entityType: 'fleet',
        entityId: fleet.id,
        after: view,
        requestId: ctx.requestId,
      });
      return view;
    });
  }

  async list(filter: FleetFilterDto) {
    await this.routingChanges.applyDue();
    const [fleets, models] = await Promise.all([this.repository.listFleets(filter), this.repository.listMinerModels()]);
    const byId = new Map(models.map((m) => [m.id, m]));
    return fleets.map((f) => fleetView(f, byId.get(f.minerModelId)));
  }

  async get(id: string) {
    await this.routingChanges.applyDue();
    const fleet = await this.repository.findFleet(id);
    if (!fleet) throw fleetNotFound();
    const [model, history] = await Promise.all([this.repository.findMinerModel(fleet.minerModelId), this.repository.listStatusChanges(id)]);
    return { ...fleetView(fleet, model), statusHistory: history.map(statusChangeView) };
  }

  /** Resize, re-model or move to another site, each checked against the site's power. */
  async update(ctx: RequestContext, id: string, dto: UpdateFleetDto) {
    if (dto.poolId !== undefined) throw new GuardedSettingError('poolId');
    return this.tx.run(async (manager) => {
      const fleet = await this.repository.findFleet(id, true, manager);
      if (!fleet) throw fleetNotFound();
      const before = fleetView(fleet);
      const siteId = dto.siteId ?? fleet.siteId;
      const minerModelId = dto.minerModelId ?? fleet.minerModelId;
      const unitCount = dto.unitCount ?? fleet.unitCount;
      const physical = siteId !== fleet.siteId || minerModelId !== fleet.minerModelId || unitCount !== fleet.unitCount;
      if (physical) {
        if (!(await this.repository.findSite(siteId, true, manager))) throw siteNotFound();
        // The pool's capacity changes with the fleet: take the pool's lock like allocations do.
        await this.repository.lockPools([fleet.poolId], manager);
        const model = await this.repository.findMinerModel(minerModelId, 'read', manager);
        if (!model) throw minerModelNotFound();
        await this.assertSitePower(
          manager,
          siteId,
          dto.unitCount !== undefined ? 'unitCount' : dto.minerModelId !== undefined ? 'minerModelId' : 'siteId',
          id,
          {
            unitCount,
            minerModelId,
          },
        );
      }
      Object.assign(fleet, { siteId, minerModelId, unitCount, name: dto.name ?? fleet.name });
      const saved = await this.saveFleet(manager, fleet);
      const after = fleetView(saved);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.fleet.updated',
        entityType: 'fleet',
        entityId: id,
        before,
        after,
        requestId: ctx.requestId,
      });
      return after;
    });
  }

  /** Online / offline / maintenance, recorded with its time; going offline lowers online capacity at once. */
  async setStatus(ctx: RequestContext, id: string, dto: SetFleetStatusDto) {
    return this.tx.run(async (manager) => {
      const fleet = await this.repository.findFleet(id, true, manager);
      if (!fleet) throw fleetNotFound();
      if (fleet.status === dto.status) return { ...fleetView(fleet), changed: false };
      await this.repository.lockPools([fleet.poolId], manager);
      const before = fleetView(fleet);
      const now = this.clock.now();
      await this.repository.insertStatusChange(
        { fleetId: id, fromStatus: fleet.status, toStatus: dto.status, changedAt: now, changedBy: ctx.user.userId, reason: dto.reason ?? null },
        manager,
      );
      fleet.status = dto.status;
      fleet.statusChangedAt = now;
      const after = fleetView(await this.repository.saveFleet(fleet, manager));
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.fleet.status_changed',
        entityType: 'fleet',
        entityId: id,
        before,
        after: { ...after, reason: dto.reason ?? null },
        requestId: ctx.requestId,
      });
      return { ...after, changed: true };
    });
  }

  async statusHistory(id: string) {
    if (!(await this.repository.findFleet(id))) throw fleetNotFound();
    return (await this.repository.listStatusChanges(id)).map(statusChangeView);
  }

  /** Only an offline fleet with no routing change history can be deleted (its status history goes with it). */
  async remove(ctx: RequestContext, id: string): Promise<void> {
    await this.tx.run(async (manager) => {
      const fleet = await this.repository.findFleet(id, true, manager);
      if (!fleet) throw fleetNotFound();
      if (fleet.status !== 'offline') throw new FleetOnlineError();
      await this.repository.lockPools([fleet.poolId], manager);
      await this.repository.deleteFleet(id, manager).catch((e: unknown) => rethrowInUse(e, 'The fleet', 'routing change requests'));
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.fleet.deleted',
        entityType: 'fleet',
        entityId: id,
        before: fleetView(fleet),
        requestId: ctx.requestId,
      });
    });
  }

  private saveFleet(manager: EntityManager, fleet: Fleet): Promise<Fleet> {
    return this.repository.saveFleet(fleet, manager).catch((e: unknown) => rethrowNameTaken(e, 'fleet', fleet.name));
  }
}

/** "1234.5000000000" -> "1234.5" for messages. */
function trimKw(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
