import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../../common/http/request-context.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { CapacityRepository } from './capacity.repository.js';
import { MinerModelInUseError, minerModelNotFound, rethrowInUse, rethrowNameTaken } from './capacity.errors.js';
import { minerModelView } from './capacity.views.js';
import type { CreateMinerModelDto, UpdateMinerModelDto } from './dto/miner-model.dto.js';
import { parseThs } from '../../common/money/units.js';

/** Miner models. Specifications are fixed once fleets use a model (a model's physics do not change). */
@Injectable()
export class MinerModelsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: CapacityRepository,
    private readonly audit: AuditService,
  ) {}

  async create(ctx: RequestContext, dto: CreateMinerModelDto) {
    return this.tx.run(async (manager) => {
      const model = await this.repository
        .insertMinerModel({ name: dto.name, hashrateGhs: parseThs(dto.hashrateThs, 'hashrateThs'), efficiencyJPerTh: dto.efficiencyJPerTh }, manager)
        .catch((e: unknown) => rethrowNameTaken(e, 'miner model', dto.name));
      const view = minerModelView(model);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.miner_model.created',
        entityType: 'miner_model',
        entityId: model.id,
        after: view,
        requestId: ctx.requestId,
      });
      return view;
    });
  }

  async list() {
    return (await this.repository.listMinerModels()).map(minerModelView);
  }

  async get(id: string) {
    const model = await this.repository.findMinerModel(id);
    if (!model) throw minerModelNotFound();
    return minerModelView(model);
  }

  async update(ctx: RequestContext, id: string, dto: UpdateMinerModelDto) {
    return this.tx.run(async (manager) => {
      const model = await this.repository.findMinerModel(id, 'write', manager);
      if (!model) throw minerModelNotFound();
      const before = minerModelView(model);
      if (dto.hashrateThs !== undefined || dto.efficiencyJPerTh !== undefined) {
        if ((await this.repository.countFleetsUsingModel(id, manager)) > 0) throw new MinerModelInUseError();
        if (dto.hashrateThs !== undefined) model.hashrateGhs = parseThs(dto.hashrateThs, 'hashrateThs');
        if (dto.efficiencyJPerTh !== undefined) model.efficiencyJPerTh = dto.efficiencyJPerTh;
      }
      if (dto.name !== undefined) model.name = dto.name;
      const saved = await this.repository.saveMinerModel(model, manager).catch((e: unknown) => rethrowNameTaken(e, 'miner model', model.name));
      const after = minerModelView(saved);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.miner_model.updated',
        entityType: 'miner_model',
        entityId: id,
        before,
        after,
        requestId: ctx.requestId,
      });
      return after;
    });
  }

  async remove(ctx: RequestContext, id: string): Promise<void> {
    await this.tx.run(async (manager) => {
      const model = await this.repository.findMinerModel(id, 'write', manager);
      if (!model) throw minerModelNotFound();
      await this.repository.deleteMinerModel(id, manager).catch((e: unknown) => rethrowInUse(e, 'The miner model', 'fleets'));
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.miner_model.deleted',
        entityType: 'miner_model',
        entityId: id,
        before: minerModelView(model),
        requestId: ctx.requestId,
      });
    });
  }
}
