import { randomBytes } from 'node:crypto';
import type { TestApp } from './test-app.js';

/** Valid mainnet addresses for pool payouts in tests. */
export const ADDRESSES = {
  p2wpkh: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
  p2pkh: '1BoatSLRHtKNngkdXEeobR76b53LETtpyT',
  p2sh: '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
};

const suffix = () => randomBytes(3).toString('hex');

async function created<T = any>(promise: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const res = await promise;
  if (res.status !== 201) throw new Error(`arranging ${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export function createSite(t: TestApp, token: string, overrides: Record<string, unknown> = {}) {
  return created(
    t.http.post('/v1/sites', { name: `site-${suffix()}`, powerCapacityKw: '10000', electricityPriceUsdPerKwh: '0.05', ...overrides }, { token }),
    'site',
  );
}

export function createModel(t: TestApp, token: string, overrides: Record<string, unknown> = {}) {
  return created(
    t.http.post('/v1/miner-models', { name: `model-${suffix()}`, hashrateThs: '200', efficiencyJPerTh: '17.5', ...overrides }, { token }),
    'miner model',
  );
}

export function createPool(t: TestApp, token: string, overrides: Record<string, unknown> = {}) {
  return created(
    t.http.post(
      '/v1/pools',
      {
        name: `pool-${suffix()}`,
        stratumEndpoint: 'stratum+tcp://btc.pool.example:3333',
        payoutScheme: 'FPPS',
        feeBps: 200,
        payoutAddress: ADDRESSES.p2wpkh,
        ...overrides,
      },
      { token },
    ),
    'pool',
  );
}

export function createFleet(t: TestApp, token: string, ids: { siteId: string; minerModelId: string; poolId: string }, overrides: Record<string, unknown> = {}) {
  return created(t.http.post('/v1/fleets', { name: `fleet-${suffix()}`, unitCount: 100, ...ids, ...overrides }, { token }), 'fleet');
}

/** Site (10 MW, 0.05 USD/kWh), model (200 TH/s at 17.5 J/TH), pool and one online fleet of `units` units. */
export async function arrangeCapacity(t: TestApp, token: string, units = 100) {
  const site = await createSite(t, token);
  const model = await createModel(t, token);
  const pool = await createPool(t, token);
  const fleet = await createFleet(t, token, { siteId: site.id, minerModelId: model.id, poolId: pool.id }, { unitCount: units });
  return { site, model, pool, fleet };
}

export function productBody(poolId: string, overrides: Record<string, unknown> = {}) {
  return {
    name: `product-${suffix()}`,
    poolId,
    termDays: 30,
    upfrontPriceUsdPerTh: '10',
    electricityFeeUsdPerThDay: '0.02',
    managementFeeBps: 1000,
    minPurchaseThs: '1',
    maxPurchaseThs: '1000',
    capacityAllocatedThs: '5000',
    uptimeGuaranteeBps: 9500,
    arrearsGraceDays: 7,
    ...overrides,
  };
}

export function createProduct(t: TestApp, token: string, poolId: string, overrides: Record<string, unknown> = {}) {
  return created(t.http.post('/v1/products', productBody(poolId, overrides), { token }), 'product');
}
