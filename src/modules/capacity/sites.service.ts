import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../../common/http/request-context.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { CapacityRepository } from './capacity.repository.js';
import { rethrowInUse, rethrowNameTaken, SitePowerExceededError, siteNotFound } from './capacity.errors.js';
import { siteView } from './capacity.views.js';
import type { CreateSiteDto, UpdateSiteDto } from './dto/site.dto.js';

/** Sites: power capacity and electricity price. A site never has less power than its fleets draw. */
@Injectable()
export class SitesService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: CapacityRepository,
    private readonly audit: AuditService,
  ) {}

  async create(ctx: RequestContext, dto: CreateSiteDto) {
    return this.tx.run(async (manager) => {
      const site = await this.repository.insertSite(dto, manager).catch((e: unknown) => rethrowNameTaken(e, 'site', dto.name));
      const view = siteView(site);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.site.created',
        entityType: 'site',
        entityId: site.id,
        after: view,
        requestId: ctx.requestId,
      });
      return view;
    });
  }

  async list() {
    return (await this.repository.listSites()).map(siteView);
  }

  async get(id: string) {
    const site = await this.repository.findSite(id);
    if (!site) throw siteNotFound();
    return siteView(site);
  }

  /** Lowering the power capacity is checked against the fleets' draw under the site's row lock. */
  async update(ctx: RequestContext, id: string, dto: UpdateSiteDto) {
    return this.tx.run(async (manager) => {
      const site = await this.repository.findSite(id, true, manager);
      if (!site) throw siteNotFound();
      const before = siteView(site);
      if (dto.name !== undefined) site.name = dto.name;
      if (dto.electricityPriceUsdPerKwh !== undefined) site.electricityPriceUsdPerKwh = dto.electricityPriceUsdPerKwh;
      if (dto.powerCapacityKw !== undefined) {
        const drawKw = await this.repository.sitePowerDrawKw(id, manager);
        if (await this.repository.numericGreater(drawKw, dto.powerCapacityKw, manager)) {
          throw new SitePowerExceededError('powerCapacityKw', drawKw, dto.powerCapacityKw);
        }
        site.powerCapacityKw = dto.powerCapacityKw;
      }
      const saved = await this.repository.saveSite(site, manager).catch((e: unknown) => rethrowNameTaken(e, 'site', site.name));
      const after = siteView(saved);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.site.updated',
        entityType: 'site',
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
      const site = await this.repository.findSite(id, true, manager);
      if (!site) throw siteNotFound();
      await this.repository.deleteSite(id, manager).catch((e: unknown) => rethrowInUse(e, 'The site', 'fleets'));
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'capacity.site.deleted',
        entityType: 'site',
        entityId: id,
        before: siteView(site),
        requestId: ctx.requestId,
      });
    });
  }
}
