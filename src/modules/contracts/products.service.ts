import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../../common/auth/authenticated-user.js';
import { Clock } from '../../common/clock/clock.js';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import type { RequestContext } from '../../common/http/request-context.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../../common/pagination/cursor.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../audit/audit.service.js';
import { CapacityService } from '../capacity/capacity.service.js';
import { AllocationBelowSoldError, AllocationExceedsOnlineError, ElectricityFeeNotDerivableError, productNotFound } from './contracts.errors.js';
import type { CreateProductDto, ProductListQueryDto, UpdateProductDto } from './dto/product.dto.js';
import type { Product } from './entities/product.entity.js';
import { productView, quote } from './product.views.js';
import { ProductsRepository, type PoolSales } from './products.repository.js';
import { formatThs, parseThs } from '../../common/money/units.js';

/** Effective allocation: once the sales window closed, only the sold hash rate stays reserved. */
function effectiveAllocation(p: Pick<Product, 'salesEndAt' | 'soldGhs' | 'capacityAllocatedGhs'>, now: Date): bigint {
  return p.salesEndAt !== null && p.salesEndAt.getTime() <= now.getTime() ? p.soldGhs : p.capacityAllocatedGhs;
}

/**
 * Products: what operators put on sale. The sum of a pool's allocations never exceeds the pool's
 * online capacity at the moment an allocation is made or raised: checked under the pool's row
 * lock, which fleet changes also take.
 */
@Injectable()
export class ProductsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: ProductsRepository,
    private readonly capacity: CapacityService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async create(ctx: RequestContext, dto: CreateProductDto) {
    const minGhs = parseThs(dto.minPurchaseThs, 'minPurchaseThs');
    const maxGhs = parseThs(dto.maxPurchaseThs, 'maxPurchaseThs');
    const allocatedGhs = parseThs(dto.capacityAllocatedThs, 'capacityAllocatedThs');
    const now = this.clock.now();
    const salesStartAt = dto.salesStartAt ? new Date(dto.salesStartAt) : now;
    const salesEndAt = dto.salesEndAt ? new Date(dto.salesEndAt) : null;
    this.assertShape(minGhs, maxGhs, allocatedGhs, salesStartAt, salesEndAt);
    return this.tx.run(async (manager) => {
      const pool = await this.capacity.lockPoolCapacity(manager, dto.poolId);
      const fee = dto.electricityFeeUsdPerThDay ?? (await this.deriveFee(manager, dto.poolId));
      const candidate = { salesEndAt, soldGhs: 0n, capacityAllocatedGhs: allocatedGhs };
      await this.assertAllocation(manager, dto.poolId, null, 0n, effectiveAllocation(candidate, now), pool.onlineGhs, now);
      const product = await this.repository.insert(
        {
          name: dto.name,
          poolId: dto.poolId,
          termDays: dto.termDays,
          upfrontPriceUsdPerTh: dto.upfrontPriceUsdPerTh,
          electricityFeeUsdPerThDay: fee,
          electricityFeeSource: dto.electricityFeeUsdPerThDay === undefined ? 'derived' : 'fixed',
          managementFeeBps: dto.managementFeeBps,
          minPurchaseGhs: minGhs,
          maxPurchaseGhs: maxGhs,
          capacityAllocatedGhs: allocatedGhs,
          salesStartAt,
          salesEndAt,
          uptimeGuaranteeBps: dto.uptimeGuaranteeBps,
          arrearsGraceDays: dto.arrearsGraceDays,
          status: dto.status ?? 'active',
          createdBy: ctx.user.userId,
        },
        manager,
      );
      const view = productView(product, now);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'products.created',
        entityType: 'product',
        entityId: product.id,
        after: view,
        requestId: ctx.requestId,
      });
      return view;
    });
  }

  /** Terms change for future purchases only; raising the effective allocation is checked against the pool. */
  async update(ctx: RequestContext, id: string, dto: UpdateProductDto) {
    const now = this.clock.now();
    const current = await this.repository.find(id);
    if (!current) throw productNotFound();
    return this.tx.run(async (manager) => {
      // Lock order: pool, then product (the same order as allocation checks elsewhere).
      const pool = await this.capacity.lockPoolCapacity(manager, current.poolId);
      const product = await this.repository.find(id, true, manager);
      if (!product) throw productNotFound();
      const before = productView(product, now);
      const allocationBefore = effectiveAllocation(product, now);
      if (dto.name !== undefined) product.name = dto.name;
      if (dto.termDays !== undefined) product.termDays = dto.termDays;
      if (dto.upfrontPriceUsdPerTh !== undefined) product.upfrontPriceUsdPerTh = dto.upfrontPriceUsdPerTh;
      if (dto.electricityFeeUsdPerThDay === 'derived') {
        product.electricityFeeUsdPerThDay = await this.deriveFee(manager, product.poolId);
        product.electricityFeeSource = 'derived';
      } else if (dto.electricityFeeUsdPerThDay !== undefined) {
        product.electricityFeeUsdPerThDay = dto.electricityFeeUsdPerThDay;
        product.electricityFeeSource = 'fixed';
      }
      if (dto.managementFeeBps !== undefined) product.managementFeeBps = dto.managementFeeBps;
      if (dto.minPurchaseThs !== undefined) product.minPurchaseGhs = parseThs(dto.minPurchaseThs, 'minPurchaseThs');
      if (dto.maxPurchaseThs !== undefined) product.maxPurchaseGhs = parseThs(dto.maxPurchaseThs, 'maxPurchaseThs');
      if (dto.capacityAllocatedThs !== undefined) product.capacityAllocatedGhs = parseThs(dto.capacityAllocatedThs, 'capacityAllocatedThs', 'non-negative');
      if (dto.salesStartAt !== undefined) product.salesStartAt = new Date(dto.salesStartAt);
      if (dto.salesEndAt !== undefined) product.salesEndAt = dto.salesEndAt === null ? null : new Date(dto.salesEndAt);
      if (dto.uptimeGuaranteeBps !== undefined) product.uptimeGuaranteeBps = dto.uptimeGuaranteeBps;
      if (dto.arrearsGraceDays !== undefined) product.arrearsGraceDays = dto.arrearsGraceDays;
      this.assertShape(product.minPurchaseGhs, product.maxPurchaseGhs, product.capacityAllocatedGhs, product.salesStartAt, product.salesEndAt);
      if (product.capacityAllocatedGhs < product.soldGhs) throw new AllocationBelowSoldError(formatThs(product.soldGhs));
      const allocationAfter = effectiveAllocation(product, now);
      if (allocationAfter > allocationBefore) await this.assertAllocation(manager, product.poolId, id, allocationBefore, allocationAfter, pool.onlineGhs, now);
      const saved = await this.repository.save(product, manager);
      const after = productView(saved, now);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: 'products.updated',
        entityType: 'product',
        entityId: id,
        before,
        after,
        requestId: ctx.requestId,
      });
      return after;
    });
  }

  /** Pausing stops new sales; sold contracts run on. Resuming reopens sales within the window. */
  async setStatus(ctx: RequestContext, id: string, status: Product['status']) {
    const now = this.clock.now();
    return this.tx.run(async (manager) => {
      const product = await this.repository.find(id, true, manager);
      if (!product) throw productNotFound();
      if (product.status === status) return productView(product, now);
      const before = productView(product, now);
      product.status = status;
      const after = productView(await this.repository.save(product, manager), now);
      await this.audit.record(manager, {
        actor: ctx.user,
        action: status === 'paused' ? 'products.paused' : 'products.resumed',
        entityType: 'product',
        entityId: id,
        before,
        after,
        requestId: ctx.requestId,
      });
      return after;
    });
  }

  /** Customers see what is on sale now; staff may ask for every product (scope=all). */
  async list(user: AuthenticatedUser, query: ProductListQueryDto & { cursor?: string; limit?: number }) {
    const now = this.clock.now();
    const all = query.scope === 'all';
    if (all && user.role !== 'operator' && user.role !== 'admin') throw new ValidationFailedError('scope', 'may be "all" for operators and admins only');
    const hashrateGhs = query.hashrate !== undefined ? parseThs(query.hashrate, 'hashrate') : undefined;
    const key = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = all ? await this.repository.listAll(now, { before: key, limit }) : await this.repository.listOnSale(now, { before: key, limit });
    const names = new Map((await this.capacity.poolFigures([...new Set(rows.map((r) => r.poolId))])).map((p) => [p.poolId, p.name]));
    const page = toPage(rows, limit, (p) => [p.createdAt.toISOString(), p.id]);
    return {
      items: page.items.map((p) => ({ ...productView(p, now, names.get(p.poolId)), ...(hashrateGhs !== undefined ? { price: quote(p, hashrateGhs) } : {}) })),
      nextCursor: page.nextCursor,
    };
  }

  async get(id: string, hashrate?: string) {
    const product = await this.find(id);
    const [pool] = await this.capacity.poolFigures([product.poolId]);
    const view = productView(product, this.clock.now(), pool?.name);
    return hashrate !== undefined ? { ...view, price: quote(product, parseThs(hashrate, 'hashrate')) } : view;
  }

  async find(id: string): Promise<Product> {
    const product = await this.repository.find(id);
    if (!product) throw productNotFound();
    return product;
  }

  /** Allocated, sold and available hash rate per pool (the capacity view). */
  salesByPool(): Promise<PoolSales[]> {
    return this.repository.salesByPool(this.clock.now());
  }

  private assertShape(minGhs: bigint, maxGhs: bigint, allocatedGhs: bigint, start: Date, end: Date | null): void {
    if (maxGhs < minGhs) throw new ValidationFailedError('maxPurchaseThs', 'must be at least minPurchaseThs');
    if (allocatedGhs > 0n && allocatedGhs < minGhs) throw new ValidationFailedError('capacityAllocatedThs', 'must be at least minPurchaseThs');
    if (end !== null && end.getTime() <= start.getTime()) throw new ValidationFailedError('salesEndAt', 'must be after salesStartAt');
  }

  private async deriveFee(manager: EntityManager, poolId: string): Promise<string> {
    const fee = await this.capacity.derivedElectricityFeeUsdPerThDay(manager, poolId);
    if (fee === null) throw new ElectricityFeeNotDerivableError();
    return fee;
  }

  /** Under the pool's lock: the other products' allocations plus this one's must fit the pool's online capacity. */
  private async assertAllocation(
    manager: EntityManager,
    poolId: string,
    excludeId: string | null,
    before: bigint,
    after: bigint,
    onlineGhs: bigint,
    now: Date,
  ) {
    const others = await this.repository.poolAllocationGhs(poolId, now, excludeId, manager);
    if (others + after > onlineGhs) {
      const free = onlineGhs - others > 0n ? onlineGhs - others : 0n;
      throw new AllocationExceedsOnlineError(formatThs(after - before), formatThs(free > before ? free - before : 0n), formatThs(onlineGhs));
    }
  }
}
