import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../../../common/auth/authenticated-user.js';
import type { RequestContext } from '../../../common/http/request-context.js';
import type { AuditActor } from '../../audit/audit.service.js';
import { AdminAccountsService } from '../../auth/admin-accounts.service.js';
import { PasswordHasher } from '../../../common/auth/password-hasher.js';
import { UsersService } from '../../auth/users.service.js';
import { FleetsService } from '../../capacity/fleets.service.js';
import { MinerModelsService } from '../../capacity/miner-models.service.js';
import { PoolsService } from '../../capacity/pools.service.js';
import { SitesService } from '../../capacity/sites.service.js';
import { parseThs } from '../../../common/money/units.js';
import { ProductsService } from '../../contracts/products.service.js';
import type { WorldSpec } from './world-spec.js';

export interface StaffLogins {
  admin: AuthenticatedUser;
  operator: AuthenticatedUser;
  finance: AuthenticatedUser;
}

export interface WorldFleet {
  id: string;
  name: string;
  poolId: string;
  ghs: bigint;
}

export interface WorldProduct {
  key: string;
  id: string;
  poolId: string;
  termDays: number;
  upfrontPriceUsdPerTh: string;
}

export interface World {
  pools: { key: string; id: string; name: string; payoutScheme: WorldSpec['pools'][number]['payoutScheme']; feeBps: number }[];
  fleets: WorldFleet[];
  products: WorldProduct[];
}

/**
 * Builds a world through the services the HTTP routes use (audited as the acting staff user),
 * idempotently by natural keys: what already exists by name or email is reused, so building the
 * same world twice creates nothing twice.
 */
@Injectable()
export class WorldService {
  constructor(
    private readonly admins: AdminAccountsService,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly sites: SitesService,
    private readonly models: MinerModelsService,
    private readonly pools: PoolsService,
    private readonly fleets: FleetsService,
    private readonly products: ProductsService,
  ) {}

  /** An admin, an operator and a finance user with the given emails and password. */
  async ensureStaff(emails: { admin: string; operator: string; finance: string }, password: string): Promise<StaffLogins> {
    const adminResult = await this.admins.ensureAdmin({ email: emails.admin, password, source: 'cli' }, { onlyIfNoAdmin: false });
    const admin = await this.users.profile(adminResult.userId!);
    const adminUser: AuthenticatedUser = { userId: admin.id, role: 'admin', email: admin.email };
    const staff = async (email: string, role: 'operator' | 'finance'): Promise<AuthenticatedUser> => {
      const existing = await this.users.findByEmail(email);
      const profile = existing ?? (await this.admins.createStaffUser(adminUser, { email, password, role, displayName: `Demo ${role}` }));
      if (profile.role !== role) throw new Error(`${email} exists with role ${profile.role}, not ${role}`);
      return { userId: profile.id, role, email: profile.email };
    };
    return { admin: adminUser, operator: await staff(emails.operator, 'operator'), finance: await staff(emails.finance, 'finance') };
  }

  /** Customers in bulk (one password hash for all); returns their ids by email. */
  async ensureCustomers(actor: AuditActor, customers: { email: string; displayName?: string }[], password: string): Promise<Map<string, string>> {
    const hash = await this.hasher.hash(password);
    return this.admins.ensureCustomers(actor, customers, hash);
  }

  /** Sites, miner models, pools, fleets (online) and products, as the operator. */
  async ensureWorld(spec: WorldSpec, ctx: RequestContext): Promise<World> {
    const siteIds = new Map<string, string>();
    const existingSites = await this.sites.list();
    for (const s of spec.sites) {
      const found = existingSites.find((e) => e.name === s.name);
      siteIds.set(
        s.key,
        found?.id ??
          (await this.sites.create(ctx, { name: s.name, powerCapacityKw: s.powerCapacityKw, electricityPriceUsdPerKwh: s.electricityPriceUsdPerKwh })).id,
      );
    }
    const modelIds = new Map<string, { id: string; ghs: bigint }>();
    const existingModels = await this.models.list();
    for (const m of spec.models) {
      const found = existingModels.find((e) => e.name === m.name);
      const id = found?.id ?? (await this.models.create(ctx, { name: m.name, hashrateThs: m.hashrateThs, efficiencyJPerTh: m.efficiencyJPerTh })).id;
      modelIds.set(m.key, { id, ghs: parseThs(m.hashrateThs, 'hashrateThs') });
    }
    const pools: World['pools'] = [];
    const existingPools = await this.pools.list();
    for (const p of spec.pools) {
      const found = existingPools.find((e) => e.name === p.name);
      const id =
        found?.id ??
        (
          await this.pools.create(ctx, {
            name: p.name,
            stratumEndpoint: p.stratumEndpoint,
            payoutScheme: p.payoutScheme,
            feeBps: p.feeBps,
            payoutAddress: p.payoutAddress,
          })
        ).id;
      pools.push({ key: p.key, id, name: p.name, payoutScheme: p.payoutScheme, feeBps: found?.feeBps ?? p.feeBps });
    }
    const poolId = (key: string) => pools.find((p) => p.key === key)!.id;
    const fleets: WorldFleet[] = [];
    const existingFleets = await this.fleets.list({});
    for (const f of spec.fleets) {
      const model = modelIds.get(f.model)!;
      const found = existingFleets.find((e) => e.name === f.name);
      const fleet =
        found ??
        (await this.fleets.create(ctx, {
          name: f.name,
          siteId: siteIds.get(f.site)!,
          minerModelId: model.id,
          poolId: poolId(f.pool),
          unitCount: f.unitCount,
          status: 'online',
        }));
      fleets.push({ id: fleet.id, name: fleet.name, poolId: fleet.poolId, ghs: model.ghs * BigInt(fleet.unitCount) });
    }
    const products: WorldProduct[] = [];
    const existingProducts = (await this.products.list(ctx.user, { scope: 'all', limit: 100 })).items;
    for (const p of spec.products) {
      const found = existingProducts.find((e) => e.name === p.name);
      const product =
        found ??
        (await this.products.create(ctx, {
          name: p.name,
          poolId: poolId(p.pool),
          termDays: p.termDays,
          upfrontPriceUsdPerTh: p.upfrontPriceUsdPerTh,
          managementFeeBps: p.managementFeeBps,
          minPurchaseThs: p.minPurchaseThs,
          maxPurchaseThs: p.maxPurchaseThs,
          capacityAllocatedThs: p.capacityAllocatedThs,
          uptimeGuaranteeBps: p.uptimeGuaranteeBps,
          arrearsGraceDays: p.arrearsGraceDays,
        }));
      products.push({ key: p.key, id: product.id, poolId: product.poolId, termDays: product.termDays, upfrontPriceUsdPerTh: product.upfrontPriceUsdPerTh });
    }
    return { pools, fleets, products };
  }
}
