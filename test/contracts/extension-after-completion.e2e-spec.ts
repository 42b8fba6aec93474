import { FixedClock } from '../../src/common/clock/clock.js';
import { ContractLifecycleService } from '../../src/modules/contracts/contract-lifecycle.service.js';
import { arrangeCapacity, productBody } from '../support/capacity-fixtures.js';
import { fundUsd, key } from '../support/contracts-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { waitForRun } from '../settlement/settlement-support.js';

/**
 * A contract the lifecycle completed, then extended by the settlement of its last day (delivered
 * below the uptime guarantee), is active again and holds its hash rate on the product again; when
 * it completes a second time the product frees it once, not twice. (Found by the simulation: the
 * sold counter went below the live contracts, then below zero.)
 */
describe('uptime extension after the lifecycle completed the contract', () => {
  const clock = new FixedClock(new Date('2025-07-01T08:00:00Z'));
  let t: TestApp;
  let operator: TestUser;
  let finance: TestUser;
  let customer: TestUser;
  let poolId: string;
  let productId: string;
  let contractId: string;

  const sold = async () => (await t.db.query(`SELECT sold_ghs::text AS s FROM products WHERE id = $1`, [productId])).rows[0].s as string;
  const contract = async () =>
    (await t.db.query(`SELECT status, end_day::text AS end, extension_days AS ext FROM contracts WHERE id = $1`, [contractId])).rows[0];

  async function settle(day: string, deliveredThs: string) {
    const post = async (path: string, body: object, token: string) => {
      const res = await t.http.post(path, body, { token });
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${res.text}`);
    };
    await post('/v1/market/prices', { day, usdPerBtc: '100000' }, finance.token);
    await post('/v1/market/difficulty', { day, difficulty: '100000000000000', blockSubsidySats: '312500000', avgFeesPerBlockSats: '0' }, finance.token);
    await post('/v1/hashrate-reports', { poolId, day, deliveredThs, uptimeBps: deliveredThs === '0' ? 0 : 10_000 }, operator.token);
    await post('/v1/pool-earnings', { poolId, day, amountSats: '500000', reference: `earnings-${day}` }, finance.token);
    await post('/v1/settlements/runs', { day }, finance.token);
    await waitForRun(t.db, poolId, day);
  }

  beforeAll(async () => {
    t = await startTestApp({ clock });
    operator = await createUser(t, 'operator');
    finance = await createUser(t, 'finance');
    customer = await createUser(t, 'customer');
    const capacity = await arrangeCapacity(t, operator.token, 10);
    poolId = capacity.pool.id;
    const product = await t.http.post('/v1/products', productBody(poolId, { termDays: 2, capacityAllocatedThs: '100', uptimeGuaranteeBps: 9500 }), {
      token: operator.token,
    });
    expect(product.status).toBe(201);
    productId = product.body.id;
    await fundUsd(t, customer.id, 1_000_000_000n);
    const bought = await t.http.post('/v1/contracts', { productId, hashrateThs: '10' }, { token: customer.token, headers: { 'idempotency-key': key() } });
    expect(bought.status).toBe(201);
    contractId = bought.body.id;
    expect(bought.body).toMatchObject({ startDay: '2025-07-02', endDay: '2025-07-03' });
  }, 120_000);
  afterAll(async () => t?.close());

  it('takes the hash rate back when it is extended, and frees it once when it ends', async () => {
    const lifecycle = t.app.get(ContractLifecycleService);
    clock.set(new Date('2025-07-02T00:01:00Z'));
    await lifecycle.advance();
    clock.set(new Date('2025-07-03T00:30:00Z'));
    await settle('2025-07-02', '10');
    expect(await sold()).toBe('10000');

    // The day after its end day, the lifecycle completes it before that last day is settled...
    clock.set(new Date('2025-07-04T00:01:00Z'));
    expect((await lifecycle.advance()).completed).toBe(1);
    expect(await contract()).toMatchObject({ status: 'completed', end: '2025-07-03' });
    expect(await sold()).toBe('0');

    // ...then settlement finds nothing was delivered on the 3rd: one day owed, active again.
    clock.set(new Date('2025-07-04T00:30:00Z'));
    await settle('2025-07-03', '0');
    expect(await contract()).toMatchObject({ status: 'active', end: '2025-07-04', ext: 1 });
    expect(await sold()).toBe('10000');

    clock.set(new Date('2025-07-05T00:30:00Z'));
    await settle('2025-07-04', '10');
    clock.set(new Date('2025-07-05T00:40:00Z'));
    expect((await lifecycle.advance()).completed).toBe(1);
    expect(await contract()).toMatchObject({ status: 'completed', end: '2025-07-04' });
    expect(await sold()).toBe('0');
  }, 120_000);
});
