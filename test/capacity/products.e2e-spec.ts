import { FixedClock } from '../../src/common/clock/clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { arrangeCapacity, createProduct, productBody } from '../support/capacity-fixtures.js';

describe('products: allocation within online capacity, sales windows, quotes and estimates', () => {
  const clock = new FixedClock(new Date('2026-04-20T12:00:00.000Z'));
  let t: TestApp;
  let operator: TestUser;
  let admin: TestUser;
  let customer: TestUser;
  let finance: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    [operator, admin, customer, finance] = await Promise.all([
      createUser(t, 'operator'),
      createUser(t, 'admin'),
      createUser(t, 'customer'),
      createUser(t, 'finance'),
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  const productCount = async () => Number((await t.db.query(`SELECT COUNT(*)::int AS n FROM products`)).rows[0].n);

  it("never allocates more than the pool has online, and frees a closed window's unsold part", async () => {
    // 100 units x 200 TH/s = 20,000 TH/s online.
    const { pool, fleet } = await arrangeCapacity(t, operator.token, 100);
    const a = await createProduct(t, operator.token, pool.id, { capacityAllocatedThs: '15000' });
    expect(a).toMatchObject({ capacityAllocatedThs: '15000.000', soldThs: '0.000', remainingThs: '15000.000', onSale: true, electricityFeeSource: 'fixed' });
    const over = await t.http.post('/v1/products', productBody(pool.id, { capacityAllocatedThs: '5000.001' }), { token: operator.token });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ code: 'PRODUCTS.ALLOCATION_EXCEEDS_ONLINE', details: { availableThs: '5000.000', onlineThs: '20000.000' } });
    expect(over.body.message).toContain('capacityAllocatedThs');
    await createProduct(t, operator.token, pool.id, { capacityAllocatedThs: '5000' });

    // A fleet going offline lowers online at once; allocations made stand, raising one is refused.
    await t.http.post(`/v1/fleets/${fleet.id}/status`, { status: 'offline' }, { token: operator.token });
    const view = (await t.http.get('/v1/capacity', { token: operator.token })).body.pools.find((p: any) => p.poolId === pool.id);
    expect(view).toMatchObject({
      installedThs: '20000.000',
      onlineThs: '0.000',
      allocatedThs: '20000.000',
      soldThs: '0.000',
      availableThs: '20000.000',
      unallocatedThs: '0.000',
    });
    expect((await t.http.patch(`/v1/products/${a.id}`, { capacityAllocatedThs: '15000.001' }, { token: operator.token })).body.code).toBe(
      'PRODUCTS.ALLOCATION_EXCEEDS_ONLINE',
    );
    expect((await t.http.patch(`/v1/products/${a.id}`, { capacityAllocatedThs: '14000' }, { token: operator.token })).status).toBe(200);
    await t.http.post(`/v1/fleets/${fleet.id}/status`, { status: 'online' }, { token: operator.token });

    // Closing a's window returns its unsold allocation to the pool.
    await t.http.patch(`/v1/products/${a.id}`, { salesEndAt: '2026-04-20T13:00:00.000Z' }, { token: operator.token });
    clock.set(new Date('2026-04-20T13:00:00.000Z'));
    expect((await createProduct(t, operator.token, pool.id, { capacityAllocatedThs: '15000' })).capacityAllocatedThs).toBe('15000.000');
    // Reopening a's window would re-reserve 14,000 TH/s that is no longer free.
    expect((await t.http.patch(`/v1/products/${a.id}`, { salesEndAt: null }, { token: operator.token })).body.code).toBe('PRODUCTS.ALLOCATION_EXCEEDS_ONLINE');
  });

  it('serializes concurrent allocations on one pool under its row lock', async () => {
    const { pool } = await arrangeCapacity(t, operator.token, 100);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.http.post('/v1/products', productBody(pool.id, { capacityAllocatedThs: '3000' }), { token: operator.token })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(6);
    expect(results.filter((r) => r.status === 409)).toHaveLength(4);
    const { rows } = await t.db.query(`SELECT SUM(capacity_allocated_ghs)::text AS total FROM products WHERE pool_id = $1`, [pool.id]);
    expect(rows[0].total).toBe('18000000');
  });

  it("derives the electricity fee from the sites' price and the models' efficiency", async () => {
    // 17.5 J/TH = 17.5 W per TH/s; x 24 h = 0.42 kWh a day; x 0.05 USD/kWh = 0.021 USD per TH/s per day.
    const { pool } = await arrangeCapacity(t, operator.token, 10);
    const body = productBody(pool.id, { capacityAllocatedThs: '100' });
    delete (body as Record<string, unknown>).electricityFeeUsdPerThDay;
    const res = await t.http.post('/v1/products', body, { token: operator.token });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ electricityFeeUsdPerThDay: '0.021000', electricityFeeSource: 'derived' });
    const fixed = await t.http.patch(`/v1/products/${res.body.id}`, { electricityFeeUsdPerThDay: '0.03' }, { token: operator.token });
    expect(fixed.body).toMatchObject({ electricityFeeUsdPerThDay: '0.030000', electricityFeeSource: 'fixed' });
    const derived = await t.http.patch(`/v1/products/${res.body.id}`, { electricityFeeUsdPerThDay: 'derived' }, { token: operator.token });
    expect(derived.body).toMatchObject({ electricityFeeUsdPerThDay: '0.021000', electricityFeeSource: 'derived' });
  });

  it('lists for customers only what is on sale now, with remaining TH/s and the all-in price', async () => {
    clock.set(new Date('2026-05-01T00:00:00.000Z'));
    const { pool } = await arrangeCapacity(t, operator.token, 100);
    const onSale = await createProduct(t, operator.token, pool.id, { capacityAllocatedThs: '1000', termDays: 30 });
    const paused = await createProduct(t, operator.token, pool.id, { capacityAllocatedThs: '1000' });
    await t.http.post(`/v1/products/${paused.id}/pause`, {}, { token: operator.token });
    const future = await createProduct(t, operator.token, pool.id, { capacityAllocatedThs: '1000', salesStartAt: '2026-05-02T00:00:00.000Z' });
    const soldOut = await createProduct(t, operator.token, pool.id, { capacityAllocatedThs: '1000' });
    await t.db.query(`UPDATE products SET sold_ghs = capacity_allocated_ghs - min_purchase_ghs + 1 WHERE id = $1`, [soldOut.id]);

    const list = await t.http.get('/v1/products?hashrate=10.5&limit=200', { token: customer.token });
    expect(list.status).toBe(200);
    const ids = list.body.items.map((p: any) => p.id);
    expect(ids).toContain(onSale.id);
    expect(ids).not.toContain(paused.id);
    expect(ids).not.toContain(future.id);
    expect(ids).not.toContain(soldOut.id);
    const item = list.body.items.find((p: any) => p.id === onSale.id);
    // 10 USD x 10.5 TH/s = 105 upfront; 0.02 x 10.5 = 0.21 a day, x 30 days = 6.3; all-in 111.3
    expect(item).toMatchObject({
      poolName: pool.name,
      remainingThs: '1000.000',
      price: {
        hashrateThs: '10.500',
        upfrontUsd: '105.000000',
        electricityUsdPerDay: '0.210000',
        electricityUsdOverTerm: '6.300000',
        allInUsd: '111.300000',
        withinPurchaseLimits: true,
      },
    });

    // Staff can list everything; a customer cannot ask for it.
    expect((await t.http.get('/v1/products?scope=all', { token: customer.token })).status).toBe(400);
    const all = (await t.http.get('/v1/products?scope=all&limit=200', { token: admin.token })).body.items.map((p: any) => p.id);
    expect(all).toEqual(expect.arrayContaining([paused.id, future.id, soldOut.id]));

    // Resume and the window opening bring them back.
    await t.http.post(`/v1/products/${paused.id}/resume`, {}, { token: operator.token });
    clock.set(new Date('2026-05-02T00:00:00.000Z'));
    const later = (await t.http.get('/v1/products?limit=200', { token: customer.token })).body.items.map((p: any) => p.id);
    expect(later).toEqual(expect.arrayContaining([paused.id, future.id]));
  });

  it('pages products with a cursor', async () => {
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await t.http.get(`/v1/products?scope=all&limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: operator.token });
      pages.push(...res.body.items.map((p: any) => p.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages).toHaveLength(await productCount());
    expect(new Set(pages).size).toBe(pages.length);
  });

  it('rejects bad products with a 400 or 409 naming the field and writes nothing', async () => {
    const { pool } = await arrangeCapacity(t, operator.token, 1);
    const before = await productCount();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ minPurchaseThs: '10', maxPurchaseThs: '5' }, 400, 'maxPurchaseThs'],
      [{ minPurchaseThs: '1.0001' }, 400, 'minPurchaseThs'],
      [{ upfrontPriceUsdPerTh: '0' }, 400, 'upfrontPriceUsdPerTh'],
      [{ upfrontPriceUsdPerTh: '-1' }, 400, 'upfrontPriceUsdPerTh'],
      [{ capacityAllocatedThs: '99999999999999999999' }, 400, 'capacityAllocatedThs'],
      [{ managementFeeBps: 10001 }, 400, 'managementFeeBps'],
      [{ termDays: 0 }, 400, 'termDays'],
      [{ salesStartAt: '2026-06-01T00:00:00Z', salesEndAt: '2026-05-01T00:00:00Z' }, 400, 'salesEndAt'],
      [{ salesStartAt: 'tomorrow' }, 400, 'salesStartAt'],
      [{ capacityAllocatedThs: '201' }, 409, 'capacityAllocatedThs'],
      [{ poolId: '00000000-0000-4000-8000-000000000000' }, 404, 'Pool'],
    ];
    for (const [overrides, status, field] of cases) {
      const res = await t.http.post('/v1/products', productBody(pool.id, { capacityAllocatedThs: '100', ...overrides }), { token: operator.token });
      expect([res.status, res.body.message]).toEqual([status, expect.stringContaining(field)]);
    }
    expect(await productCount()).toBe(before);
    const p = await createProduct(t, operator.token, pool.id, { capacityAllocatedThs: '100' });
    await expect(t.db.query(`UPDATE products SET sold_ghs = capacity_allocated_ghs + 1 WHERE id = $1`, [p.id])).rejects.toThrow(
      /ck_products_sold_within_allocation/,
    );
    await t.db.query(`UPDATE products SET sold_ghs = 60000 WHERE id = $1`, [p.id]);
    const below = await t.http.patch(`/v1/products/${p.id}`, { capacityAllocatedThs: '59.999' }, { token: operator.token });
    expect(below.body).toMatchObject({ code: 'PRODUCTS.ALLOCATION_BELOW_SOLD', message: expect.stringContaining('60.000 TH/s is already sold') });
  });

  it('keeps customers and finance from creating or changing products', async () => {
    const { pool } = await arrangeCapacity(t, operator.token, 1);
    const p = await createProduct(t, operator.token, pool.id, { capacityAllocatedThs: '10' });
    for (const user of [customer, finance]) {
      expect((await t.http.post('/v1/products', productBody(pool.id), { token: user.token })).status).toBe(403);
      expect((await t.http.patch(`/v1/products/${p.id}`, { name: 'mine' }, { token: user.token })).status).toBe(403);
      expect((await t.http.post(`/v1/products/${p.id}/pause`, {}, { token: user.token })).status).toBe(403);
      expect((await t.http.get('/v1/capacity', { token: customer.token })).status).toBe(403);
    }
    expect((await t.http.get(`/v1/products/${p.id}`, { token: customer.token })).body.name).toBe(p.name);
    const audit = await t.db.query(`SELECT action FROM audit_log WHERE entity_id = $1`, [p.id]);
    expect(audit.rows.map((r) => r.action)).toEqual(['products.created']);
  });

  it('estimates output, fees, payback and the shutdown price from the latest market data, to the satoshi', async () => {
    clock.set(new Date('2026-06-10T08:00:00.000Z'));
    const { pool } = await arrangeCapacity(t, operator.token, 10);
    const p = await createProduct(t, operator.token, pool.id, {
      capacityAllocatedThs: '1000',
      termDays: 365,
      upfrontPriceUsdPerTh: '10',
      electricityFeeUsdPerThDay: '0.02',
      managementFeeBps: 1000,
    });
    const none = await t.http.get(`/v1/products/${p.id}/estimate?hashrate=100`, { token: customer.token });
    expect([none.status, none.body.code]).toEqual([409, 'MARKET.NO_DATA']);

    expect(
      (
        await t.http.post(
          '/v1/market/difficulty',
          { day: '2026-06-09', difficulty: '90000000000000', blockSubsidySats: '312500000', avgFeesPerBlockSats: '1' },
          { token: finance.token },
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await t.http.post(
          '/v1/market/difficulty',
          { day: '2026-06-10', difficulty: '100000000000000', blockSubsidySats: '312500000', avgFeesPerBlockSats: '20000000' },
          { token: finance.token },
        )
      ).status,
    ).toBe(201);
    expect((await t.http.post('/v1/market/prices', { day: '2026-06-10', usdPerBtc: '100000.00' }, { token: admin.token })).status).toBe(201);

    const res = await t.http.get(`/v1/products/${p.id}/estimate?hashrate=100`, { token: customer.token });
    expect(res.status).toBe(200);
    // Worked by hand (pool fee 2 %, management 10 %, 0.02 USD/TH/day, 10 USD/TH upfront):
    // expected = 100 x 10^12 x 86,400 x 332,500,000 / (10^14 x 2^32) = 6,688.76 sats; after the pool fee 6,554.98 -> 6,554
    // management = 655.4 -> 656; electricity = 2 USD = 2,000 sats at 100,000 USD/BTC; net = 3,898 sats = 3.898 USD
    // payback = 1,000 USD / 3.898 = 256.5 -> 257 days; shutdown = 2 USD / 5,898 sats = 33,909.80 USD/BTC
    expect(res.body).toMatchObject({
      estimate: true,
      hashrateThs: '100.000',
      basis: {
        difficulty: '100000000000000',
        difficultyDay: '2026-06-10',
        blockSubsidySats: '312500000',
        avgFeesPerBlockSats: '20000000',
        btcPriceUsd: '100000',
        btcPriceDay: '2026-06-10',
        poolFeeBps: 200,
      },
      daily: {
        expectedSats: '6688',
        grossSats: '6554',
        managementFeeSats: '656',
        electricityFeeUsd: '2.000000',
        electricityFeeSats: '2000',
        netSats: '3898',
        netUsd: '3.898000',
      },
      term: { netSats: '1422770' },
      upfrontPriceUsd: '1000.000000',
      daysToRecoverUpfront: 257,
      recoversWithinTerm: true,
      shutdownBtcPriceUsd: '33909.80',
    });
    expect(res.body.disclaimer).toMatch(/^Estimate only/);
    for (const q of ['hashrate=100.0001', 'hashrate=0', 'hashrate=-1', 'hashrate=abc', '']) {
      expect((await t.http.get(`/v1/products/${p.id}/estimate?${q}`, { token: customer.token })).status).toBe(400);
    }
    expect((await t.http.get(`/v1/products/00000000-0000-4000-8000-000000000000/estimate?hashrate=1`, { token: customer.token })).status).toBe(404);
  });

  it('records market data idempotently per day, finance and admin only', async () => {
    clock.set(new Date('2026-06-10T08:00:00.000Z'));
    const replay = await t.http.post('/v1/market/prices', { day: '2026-06-10', usdPerBtc: '100000' }, { token: finance.token });
    expect([replay.status, replay.body.outcome]).toEqual([200, 'unchanged']);
    const conflict = await t.http.post('/v1/market/prices', { day: '2026-06-10', usdPerBtc: '100000.01' }, { token: finance.token });
    expect([conflict.status, conflict.body.code]).toEqual([409, 'MARKET.PRICE_CONFLICT']);
    expect((await t.http.post('/v1/market/prices', { day: '2026-06-11', usdPerBtc: '1' }, { token: finance.token })).body.message).toContain(
      'day must not be in the future',
    );
    expect((await t.http.post('/v1/market/prices', { day: '2026-02-30', usdPerBtc: '1' }, { token: finance.token })).status).toBe(400);
    expect((await t.http.post('/v1/market/prices', { day: '2026-06-09', usdPerBtc: '1' }, { token: operator.token })).status).toBe(403);
    expect(
      (
        await t.http.post(
          '/v1/market/difficulty',
          { day: '2026-06-10', difficulty: '100000000000000.0', blockSubsidySats: '312500000', avgFeesPerBlockSats: '20000000' },
          { token: finance.token },
        )
      ).body.outcome,
    ).toBe('unchanged');
    expect(
      (
        await t.http.post(
          '/v1/market/difficulty',
          { day: '2026-06-10', difficulty: '100000000000001', blockSubsidySats: '312500000', avgFeesPerBlockSats: '20000000' },
          { token: finance.token },
        )
      ).status,
    ).toBe(409);
    const latest = (await t.http.get('/v1/market/latest', { token: customer.token })).body;
    expect(latest).toEqual({
      price: { day: '2026-06-10', usdPerBtc: '100000' },
      difficulty: expect.objectContaining({ day: '2026-06-10', rewardSats: '332500000' }),
    });
    const audits = await t.db.query(`SELECT action FROM audit_log WHERE action LIKE 'market.%' ORDER BY id`);
    expect(audits.rows.map((r) => r.action)).toEqual(['market.difficulty.recorded', 'market.difficulty.recorded', 'market.price.recorded']);
  });
});
