import { FixedClock } from '../../src/common/clock/clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { arrangeCapacity, createProduct } from '../support/capacity-fixtures.js';
import { availableUsd, fundUsd, key, salesRevenue, writeCounts } from '../support/contracts-fixtures.js';

describe('buying contracts: never oversold, charged exactly once, nothing written on refusal', () => {
  const clock = new FixedClock(new Date('2026-04-20T15:30:00.000Z'));
  let t: TestApp;
  let operator: TestUser;
  let poolId: string;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { DATABASE_POOL_SIZE: '40', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' } });
    operator = await createUser(t, 'operator');
    poolId = (await arrangeCapacity(t, operator.token, 100)).pool.id; // 20,000 TH/s online
  });
  afterAll(async () => {
    await t.close();
  });

  async function fundedCustomer(microUsd = 1_000_000_000n): Promise<TestUser> {
    const customer = await createUser(t, 'customer');
    await fundUsd(t, customer.id, microUsd);
    return customer;
  }

  const buy = (customer: TestUser, body: Record<string, unknown>, idempotencyKey: string | null = key()) =>
    t.http.post('/v1/contracts', body, { token: customer.token, headers: idempotencyKey === null ? {} : { 'idempotency-key': idempotencyKey } });

  it('buys a contract starting the next UTC day, debiting USD into sales revenue, audited', async () => {
    const product = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100', termDays: 30, upfrontPriceUsdPerTh: '12.345678' });
    const customer = await fundedCustomer(1_000_000_000n);
    const revenueBefore = await salesRevenue(t);
    const res = await buy(customer, { productId: product.id, hashrateThs: '10.5' });
    expect(res.status).toBe(201);
    // 12.345678 USD x 10.5 TH/s = 129.629619 USD
    expect(res.body).toMatchObject({
      productId: product.id,
      poolId,
      hashrateThs: '10.500',
      termDays: 30,
      startDay: '2026-04-21',
      endDay: '2026-05-20',
      status: 'pending',
      pricePaidUsd: '129.629619',
    });
    expect(res.body.terms).toEqual({
      upfrontPriceUsdPerTh: '12.345678',
      electricityFeeUsdPerThDay: '0.020000',
      managementFeeBps: 1000,
      uptimeGuaranteeBps: 9500,
      arrearsGraceDays: 7,
    });
    expect(await availableUsd(t, customer.id)).toBe(1_000_000_000n - 129_629_619n);
    expect((await salesRevenue(t)) - revenueBefore).toBe(129_629_619n);
    const audit = await t.db.query(`SELECT action, actor_id, after->>'ledgerEntryId' AS entry FROM audit_log WHERE entity_id = $1`, [res.body.id]);
    expect(audit.rows).toEqual([{ action: 'contracts.purchased', actor_id: customer.id, entry: expect.any(String) }]);
    const entry = await t.db.query(`SELECT id::text, type, actor_id, reference FROM ledger_entries WHERE id = $1`, [audit.rows[0].entry]);
    expect(entry.rows).toEqual([{ id: audit.rows[0].entry, type: 'contract.purchase', actor_id: customer.id, reference: res.body.id }]);
    const view = (await t.http.get(`/v1/products/${product.id}`, { token: customer.token })).body;
    expect(view).toMatchObject({ soldThs: '10.500', remainingThs: '89.500' });
    // Later edits of the product do not touch the sold contract's terms.
    await t.http.patch(`/v1/products/${product.id}`, { upfrontPriceUsdPerTh: '20', managementFeeBps: 2000 }, { token: operator.token });
    const mine = (await t.http.get(`/v1/contracts/${res.body.id}`, { token: customer.token })).body;
    expect(mine).toMatchObject({ pricePaidUsd: '129.629619', terms: { upfrontPriceUsdPerTh: '12.345678', managementFeeBps: 1000 } });
    expect(mine.history).toEqual([{ fromStatus: null, toStatus: 'pending', changedAt: '2026-04-20T15:30:00.000Z', reason: 'purchased' }]);
  });

  it('the race: 200 concurrent buyers for 100 purchases of capacity make exactly 100 contracts', async () => {
    const product = await createProduct(t, operator.token, poolId, {
      capacityAllocatedThs: '1000',
      minPurchaseThs: '10',
      maxPurchaseThs: '10',
      upfrontPriceUsdPerTh: '10',
    });
    const buyers = await Promise.all(Array.from({ length: 200 }, () => fundedCustomer(100_000_000n)));
    const revenueBefore = await salesRevenue(t);
    const results = await Promise.all(buyers.map((b) => buy(b, { productId: product.id, hashrateThs: '10' })));
    const won = results.filter((r) => r.status === 201);
    const lost = results.filter((r) => r.status !== 201);
    expect(won).toHaveLength(100);
    expect(lost.every((r) => r.status === 409 && r.body.code === 'CONTRACTS.SOLD_OUT')).toBe(true);

    const { rows } = await t.db.query(`SELECT COUNT(*)::int AS n, SUM(hashrate_ghs)::text AS sold FROM contracts WHERE product_id = $1`, [product.id]);
    expect(rows[0]).toEqual({ n: 100, sold: '1000000' });
    const productRow = await t.db.query(`SELECT sold_ghs::text, capacity_allocated_ghs::text FROM products WHERE id = $1`, [product.id]);
    expect(productRow.rows[0]).toEqual({ sold_ghs: '1000000', capacity_allocated_ghs: '1000000' });
    // Winners paid 100 USD once; losers paid nothing.
    const winners = new Set(won.map((r) => r.body.id));
    expect(winners.size).toBe(100);
    const balances = await Promise.all(buyers.map((b) => availableUsd(t, b.id)));
    const charged = balances.filter((b) => b === 0n).length;
    const untouched = balances.filter((b) => b === 100_000_000n).length;
    expect([charged, untouched]).toEqual([100, 100]);
    const entries = await t.db.query(
      `SELECT COUNT(*)::int AS n, COUNT(DISTINCT reference)::int AS refs FROM ledger_entries WHERE type = 'contract.purchase' AND reference = ANY($1::text[])`,
      [[...winners]],
    );
    expect(entries.rows[0]).toEqual({ n: 100, refs: 100 });
    expect((await salesRevenue(t)) - revenueBefore).toBe(100n * 100_000_000n);
    // They were written in groups, none of which had to fall back to one transaction per purchase.
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/contract_purchase_group_fallbacks_total 0/);
    const groups = Number(/contract_purchase_group_size_count (\d+)/.exec(metrics)?.[1]);
    const purchases = Number(/contract_purchase_group_size_sum (\d+)/.exec(metrics)?.[1]);
    expect(groups).toBeLessThan(purchases);
  });

  it('the same Idempotency-Key fired 20 times concurrently makes one contract and one charge', async () => {
    const product = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100', upfrontPriceUsdPerTh: '10' });
    const customer = await fundedCustomer(1_000_000_000n);
    const k = key();
    const results = await Promise.all(Array.from({ length: 20 }, () => buy(customer, { productId: product.id, hashrateThs: '5' }, k)));
    expect(results.map((r) => r.status).sort()).toEqual([...Array(19).fill(200), 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    const { rows } = await t.db.query(`SELECT COUNT(*)::int AS n FROM contracts WHERE customer_id = $1`, [customer.id]);
    expect(rows[0].n).toBe(1);
    expect(await availableUsd(t, customer.id)).toBe(1_000_000_000n - 50_000_000n);
    // A later replay still returns the first contract; the same key for another purchase is refused.
    const later = await buy(customer, { productId: product.id, hashrateThs: '5' }, k);
    expect([later.status, later.body.id]).toEqual([200, results[0].body.id]);
    const other = await buy(customer, { productId: product.id, hashrateThs: '6' }, k);
    expect([other.status, other.body.code]).toEqual([409, 'CONTRACTS.IDEMPOTENCY_CONFLICT']);
    expect(await availableUsd(t, customer.id)).toBe(1_000_000_000n - 50_000_000n);
  });

  it('answers 402 to exactly the buyers who cannot pay when they buy together with others who can', async () => {
    const product = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '1000', upfrontPriceUsdPerTh: '10' });
    const rich = await Promise.all(Array.from({ length: 15 }, () => fundedCustomer(100_000_000n)));
    const poor = await Promise.all(Array.from({ length: 5 }, () => fundedCustomer(99_999_999n)));
    // One customer buys twice at once and can pay for only one of the two.
    const twice = await fundedCustomer(150_000_000n);
    const buys = [...rich, ...poor, twice, twice].map((c) => buy(c, { productId: product.id, hashrateThs: '10' }));
    const results = await Promise.all(buys);
    expect(results.slice(0, 15).every((r) => r.status === 201)).toBe(true);
    expect(results.slice(15, 20).map((r) => [r.status, r.body.code])).toEqual(Array(5).fill([402, 'LEDGER.INSUFFICIENT_BALANCE']));
    expect(
      results
        .slice(20)
        .map((r) => r.status)
        .sort(),
    ).toEqual([201, 402]);
    for (const c of rich) expect(await availableUsd(t, c.id)).toBe(0n);
    for (const c of poor) expect(await availableUsd(t, c.id)).toBe(99_999_999n);
    expect(await availableUsd(t, twice.id)).toBe(50_000_000n);
    const { rows } = await t.db.query(
      `SELECT COUNT(*)::int AS n, sold_ghs::text AS sold FROM contracts c JOIN products p ON p.id = c.product_id WHERE p.id = $1 GROUP BY p.sold_ghs`,
      [product.id],
    );
    expect(rows[0]).toEqual({ n: 16, sold: '160000' });
  });

  /**
   * Holds the customer's USD balance row, so that a purchase of theirs stops at its ledger
   * posting: after it has read the product, before it reserves capacity. Resolves once the
   * purchase waits on the row; `release` lets it go on.
   */
  async function stallAtLedger(customerId: string, purchase: () => Promise<{ status: number; body: any }>) {
    const holder = await t.db.connect();
    await holder.query('BEGIN');
    await holder.query(
      `SELECT 1 FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id
        WHERE a.customer_id = $1 AND a.currency = 'USD' AND a.name = 'available' FOR UPDATE OF b`,
      [customerId],
    );
    const response = purchase();
    for (let waited = 0; ; waited += 20) {
      const { rows } = await t.db.query(`SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
      if (rows[0].n > 0) break;
      if (waited > 10_000) throw new Error('the purchase never reached the ledger');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return {
      response,
      release: async () => {
        await holder.query('COMMIT');
        holder.release();
      },
    };
  }

  it('a purchase checked against a product that is repriced before it reserves is checked again and charged the new price', async () => {
    const product = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100', upfrontPriceUsdPerTh: '10' });
    const customer = await fundedCustomer(1_000_000_000n);
    const stalled = await stallAtLedger(customer.id, () => buy(customer, { productId: product.id, hashrateThs: '2' }));
    const patched = await t.http.patch(`/v1/products/${product.id}`, { upfrontPriceUsdPerTh: '15' }, { token: operator.token });
    expect(patched.status).toBe(200);
    await stalled.release();
    const res = await stalled.response;
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ pricePaidUsd: '30.000000', terms: { upfrontPriceUsdPerTh: '15.000000' } });
    expect(await availableUsd(t, customer.id)).toBe(1_000_000_000n - 30_000_000n);
    const entries = await t.db.query(`SELECT COUNT(*)::int AS n FROM ledger_entries WHERE type = 'contract.purchase' AND reference = $1`, [res.body.id]);
    expect(entries.rows[0].n).toBe(1);
  });

  it('a purchase whose capacity shrinks below it before it reserves is refused as sold out, charged nothing', async () => {
    const product = await createProduct(t, operator.token, poolId, {
      capacityAllocatedThs: '10',
      minPurchaseThs: '1',
      maxPurchaseThs: '10',
      upfrontPriceUsdPerTh: '10',
    });
    const customer = await fundedCustomer(1_000_000_000n);
    const before = await writeCounts(t);
    // The purchase has read 10 TH/s left when the operator cuts the allocation to 5.
    const stalled = await stallAtLedger(customer.id, () => buy(customer, { productId: product.id, hashrateThs: '10' }));
    const patched = await t.http.patch(`/v1/products/${product.id}`, { capacityAllocatedThs: '5' }, { token: operator.token });
    expect(patched.status).toBe(200);
    await stalled.release();
    const res = await stalled.response;
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONTRACTS.SOLD_OUT');
    expect(await availableUsd(t, customer.id)).toBe(1_000_000_000n);
    expect(await writeCounts(t)).toEqual(before);
  });

  it('refuses out-of-bounds purchases with 400/402/409 and writes nothing', async () => {
    const product = await createProduct(t, operator.token, poolId, {
      capacityAllocatedThs: '100',
      minPurchaseThs: '1',
      maxPurchaseThs: '50',
      upfrontPriceUsdPerTh: '10',
    });
    const paused = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100' });
    await t.http.post(`/v1/products/${paused.id}/pause`, {}, { token: operator.token });
    const future = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100', salesStartAt: '2026-05-01T00:00:00.000Z' });
    const closed = await createProduct(t, operator.token, poolId, {
      capacityAllocatedThs: '100',
      salesStartAt: '2026-04-01T00:00:00.000Z',
      salesEndAt: '2026-04-20T15:00:00.000Z',
    });
    const customer = await fundedCustomer(1_000_000_000n);
    const poor = await fundedCustomer(9_999_999n);
    const before = await writeCounts(t);
    const cases: [TestUser, Record<string, unknown>, string | null, number, string][] = [
      [customer, { productId: product.id, hashrateThs: '0.999' }, key(), 400, 'CONTRACTS.OUTSIDE_PURCHASE_LIMITS'],
      [customer, { productId: product.id, hashrateThs: '50.001' }, key(), 400, 'CONTRACTS.OUTSIDE_PURCHASE_LIMITS'],
      [customer, { productId: product.id, hashrateThs: '1.0001' }, key(), 400, 'VALIDATION.FAILED'],
      [customer, { productId: product.id, hashrateThs: '0' }, key(), 400, 'VALIDATION.FAILED'],
      [customer, { productId: product.id, hashrateThs: '-5' }, key(), 400, 'VALIDATION.FAILED'],
      [customer, { productId: product.id, hashrateThs: '99999999999999999999999' }, key(), 400, 'VALIDATION.FAILED'],
      [customer, { productId: product.id, hashrateThs: 5 }, key(), 400, 'VALIDATION.FAILED'],
      [customer, { productId: product.id, hashrateThs: '5', extra: true }, key(), 400, 'VALIDATION.FAILED'],
      [customer, { productId: product.id, hashrateThs: '5' }, null, 400, 'CONTRACTS.IDEMPOTENCY_KEY_REQUIRED'],
      [customer, { productId: product.id, hashrateThs: '5' }, 'has space', 400, 'CONTRACTS.IDEMPOTENCY_KEY_REQUIRED'],
      [customer, { productId: paused.id, hashrateThs: '5' }, key(), 409, 'CONTRACTS.NOT_ON_SALE'],
      [customer, { productId: future.id, hashrateThs: '5' }, key(), 409, 'CONTRACTS.NOT_ON_SALE'],
      [customer, { productId: closed.id, hashrateThs: '5' }, key(), 409, 'CONTRACTS.NOT_ON_SALE'],
      [customer, { productId: '00000000-0000-4000-8000-000000000000', hashrateThs: '5' }, key(), 404, 'PRODUCTS.NOT_FOUND'],
      // 1 TH/s costs 10 USD; 9.999999 USD is one micro-dollar short.
      [poor, { productId: product.id, hashrateThs: '1' }, key(), 402, 'LEDGER.INSUFFICIENT_BALANCE'],
    ];
    for (const [who, body, k, status, code] of cases) {
      const res = await buy(who, body, k);
      expect([JSON.stringify(body), res.status, res.body.code]).toEqual([JSON.stringify(body), status, code]);
    }
    // Sold out: 95 of 100 taken, 6 more refused, 5 accepted.
    const big = await fundedCustomer(10_000_000_000n);
    expect((await buy(big, { productId: product.id, hashrateThs: '50' })).status).toBe(201);
    expect((await buy(big, { productId: product.id, hashrateThs: '45' })).status).toBe(201);
    const afterBuys = await writeCounts(t);
    const soldOut = await buy(customer, { productId: product.id, hashrateThs: '6' });
    expect([soldOut.status, soldOut.body.code, soldOut.body.message]).toEqual([
      409,
      'CONTRACTS.SOLD_OUT',
      'hashrateThs: only 5.000 TH/s of this product is left',
    ]);
    expect(await writeCounts(t)).toEqual(afterBuys);
    expect(afterBuys.contracts - before.contracts).toBe(2);
    expect(await availableUsd(t, customer.id)).toBe(1_000_000_000n);
    expect(await availableUsd(t, poor.id)).toBe(9_999_999n);
  });

  it("keeps staff out of buying, and each customer to their own contracts (another's id is a 404)", async () => {
    const product = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100' });
    const a = await fundedCustomer();
    const b = await fundedCustomer();
    const contract = (await buy(a, { productId: product.id, hashrateThs: '1' })).body;
    expect((await t.http.get(`/v1/contracts/${contract.id}`, { token: b.token })).status).toBe(404);
    expect((await t.http.post(`/v1/contracts/${contract.id}/cancel`, {}, { token: b.token })).status).toBe(404);
    expect((await t.http.get(`/v1/contracts/${contract.id}`, { token: a.token })).status).toBe(200);
    expect((await t.http.get('/v1/contracts', { token: b.token })).body.items).toEqual([]);
    expect((await t.http.get('/v1/contracts', { token: a.token })).body.items.map((c: any) => c.id)).toEqual([contract.id]);
    for (const role of ['operator', 'finance', 'admin'] as const) {
      const staff = await createUser(t, role);
      expect(
        (await t.http.post('/v1/contracts', { productId: product.id, hashrateThs: '1' }, { token: staff.token, headers: { 'idempotency-key': key() } })).status,
      ).toBe(403);
    }
    expect((await t.http.get(`/v1/contracts/${contract.id}`, { token: a.token })).body.status).toBe('pending');
  });

  it("pages a customer's contracts newest first", async () => {
    const product = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100' });
    const customer = await fundedCustomer();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await buy(customer, { productId: product.id, hashrateThs: '1' })).body.id);
      clock.advanceMs(1);
    }
    const first = (await t.http.get('/v1/contracts?limit=2', { token: customer.token })).body;
    const second = (await t.http.get(`/v1/contracts?limit=2&cursor=${first.nextCursor}`, { token: customer.token })).body;
    const third = (await t.http.get(`/v1/contracts?limit=2&cursor=${second.nextCursor}`, { token: customer.token })).body;
    expect([...first.items, ...second.items, ...third.items].map((c: any) => c.id)).toEqual([...ids].reverse());
    expect(third.nextCursor).toBeNull();
  });
});
