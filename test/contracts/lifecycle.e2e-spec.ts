import { QueueEvents, type Queue } from 'bullmq';
import { getQueueToken } from '@nestjs/bullmq';
import { FixedClock } from '../../src/common/clock/clock.js';
import { JOBS, QUEUES } from '../../src/common/queue/queue-names.js';
import { redisOptionsFromUrl } from '../../src/common/queue/redis-options.js';
import { ContractLifecycleService } from '../../src/modules/contracts/contract-lifecycle.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { arrangeCapacity, createProduct } from '../support/capacity-fixtures.js';
import { availableUsd, fundUsd, key } from '../support/contracts-fixtures.js';

describe('contract lifecycle on a simulated clock: pending -> active -> completed, cancel, terminate', () => {
  const clock = new FixedClock(new Date('2026-04-20T18:00:00.000Z'));
  let t: TestApp;
  let operator: TestUser;
  let poolId: string;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    operator = await createUser(t, 'operator');
    poolId = (await arrangeCapacity(t, operator.token, 100)).pool.id;
  });
  afterAll(async () => {
    await t.close();
  });

  async function buyer(): Promise<TestUser> {
    const c = await createUser(t, 'customer');
    await fundUsd(t, c.id, 10_000_000_000n);
    return c;
  }
  const buy = async (customer: TestUser, productId: string, hashrateThs: string) => {
    const res = await t.http.post('/v1/contracts', { productId, hashrateThs }, { token: customer.token, headers: { 'idempotency-key': key() } });
    if (res.status !== 201) throw new Error(`purchase failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const status = async (customer: TestUser, id: string) => (await t.http.get(`/v1/contracts/${id}`, { token: customer.token })).body;
  const sold = async (productId: string) => (await t.db.query(`SELECT sold_ghs::text AS s FROM products WHERE id = $1`, [productId])).rows[0].s;

  /** Runs the daily job through the real queue and worker, as the scheduler would. */
  async function runDailyJob() {
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.contracts));
    const events = new QueueEvents(QUEUES.contracts, { connection: redisOptionsFromUrl(t.config.REDIS_URL) as never, prefix: t.config.QUEUE_PREFIX });
    await events.waitUntilReady();
    try {
      const job = await queue.add(JOBS.contracts.advanceLifecycle, {});
      return await job.waitUntilFinished(events, 30_000);
    } finally {
      await events.close();
    }
  }

  it('activates on the start day and completes after the end day, freeing the hash rate; running twice changes nothing', async () => {
    clock.set(new Date('2026-04-20T18:00:00.000Z'));
    const product = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100', termDays: 3 });
    const customer = await buyer();
    const c = await buy(customer, product.id, '10');
    expect(c).toMatchObject({ status: 'pending', startDay: '2026-04-21', endDay: '2026-04-23' });
    expect(await sold(product.id)).toBe('10000');

    expect(await runDailyJob()).toMatchObject({ day: '2026-04-20', activated: 0, completed: 0 });
    expect((await status(customer, c.id)).status).toBe('pending');

    clock.set(new Date('2026-04-21T00:01:00.000Z'));
    expect(await runDailyJob()).toMatchObject({ day: '2026-04-21', activated: 1, completed: 0 });
    expect(await runDailyJob()).toMatchObject({ activated: 0, completed: 0 });
    expect((await status(customer, c.id)).status).toBe('active');

    clock.set(new Date('2026-04-23T23:59:00.000Z'));
    expect(await t.app.get(ContractLifecycleService).advance()).toMatchObject({ day: '2026-04-23', completed: 0 });
    clock.set(new Date('2026-04-24T00:01:00.000Z'));
    expect(await runDailyJob()).toMatchObject({ day: '2026-04-24', completed: 1 });
    expect(await runDailyJob()).toMatchObject({ completed: 0 });
    const done = await status(customer, c.id);
    expect(done.status).toBe('completed');
    expect(done.history.map((h: any) => [h.fromStatus, h.toStatus, h.changedAt, h.reason])).toEqual([
      [null, 'pending', '2026-04-20T18:00:00.000Z', 'purchased'],
      ['pending', 'active', '2026-04-21T00:01:00.000Z', 'start day reached'],
      ['active', 'completed', '2026-04-24T00:01:00.000Z', 'end day passed'],
    ]);
    expect(await sold(product.id)).toBe('0');
  });

  it('catches up after missed days: a contract whose whole term passed goes pending -> active -> completed in one run', async () => {
    clock.set(new Date('2026-05-01T12:00:00.000Z'));
    const product = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100', termDays: 1 });
    const customer = await buyer();
    const c = await buy(customer, product.id, '1');
    clock.set(new Date('2026-05-10T00:00:00.000Z'));
    await t.app.get(ContractLifecycleService).advance();
    expect((await status(customer, c.id)).history.map((h: any) => h.toStatus)).toEqual(['pending', 'active', 'completed']);
  });

  it('cancels before the start day with a full refund and frees the capacity; refuses from the start day on', async () => {
    clock.set(new Date('2026-06-01T10:00:00.000Z'));
    const product = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100', termDays: 30, upfrontPriceUsdPerTh: '10' });
    const customer = await buyer();
    const before = await availableUsd(t, customer.id);
    const c = await buy(customer, product.id, '20');
    expect(await availableUsd(t, customer.id)).toBe(before - 200_000_000n);

    clock.set(new Date('2026-06-01T23:59:59.000Z'));
    const cancelled = await t.http.post(`/v1/contracts/${c.id}/cancel`, {}, { token: customer.token });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    expect(await availableUsd(t, customer.id)).toBe(before);
    expect(await sold(product.id)).toBe('0');
    // Cancelling again refunds nothing more.
    expect((await t.http.post(`/v1/contracts/${c.id}/cancel`, {}, { token: customer.token })).body.status).toBe('cancelled');
    expect(await availableUsd(t, customer.id)).toBe(before);
    const refunds = await t.db.query(`SELECT COUNT(*)::int AS n FROM ledger_entries WHERE type = 'contract.refund' AND reference = $1`, [c.id]);
    expect(refunds.rows[0].n).toBe(1);
    expect((await t.db.query(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY id`, [c.id])).rows.map((r) => r.action)).toEqual([
      'contracts.purchased',
      'contracts.cancelled',
    ]);

    // On the start day it is refused, even before the daily job has activated it.
    clock.set(new Date('2026-06-01T10:00:00.000Z'));
    const late = await buy(customer, product.id, '20');
    clock.set(new Date('2026-06-02T00:00:00.000Z'));
    const refused = await t.http.post(`/v1/contracts/${late.id}/cancel`, {}, { token: customer.token });
    expect([refused.status, refused.body.code]).toEqual([409, 'CONTRACTS.NOT_CANCELLABLE']);
    await t.app.get(ContractLifecycleService).advance();
    expect((await t.http.post(`/v1/contracts/${late.id}/cancel`, {}, { token: customer.token })).status).toBe(409);
    expect(await availableUsd(t, customer.id)).toBe(before - 200_000_000n);
  });

  it("lets an operator terminate a product's contracts with pro-rata refunds for the days not delivered", async () => {
    clock.set(new Date('2026-07-01T12:00:00.000Z'));
    const product = await createProduct(t, operator.token, poolId, { capacityAllocatedThs: '100', termDays: 10, upfrontPriceUsdPerTh: '10' });
    const a = await buyer();
    const b = await buyer();
    const started = await buy(a, product.id, '10'); // 100 USD, days 07-02 .. 07-11
    clock.set(new Date('2026-07-05T12:00:00.000Z'));
    await t.app.get(ContractLifecycleService).advance();
    const pending = await buy(b, product.id, '3'); // 30 USD, days 07-06 .. 07-15
    const aBefore = await availableUsd(t, a.id);
    const bBefore = await availableUsd(t, b.id);

    const customer = await buyer();
    expect((await t.http.post(`/v1/products/${product.id}/terminate-contracts`, { reason: 'x' }, { token: customer.token })).status).toBe(403);
    const res = await t.http.post(`/v1/products/${product.id}/terminate-contracts`, { reason: 'fleet decommissioned' }, { token: operator.token });
    expect(res.status).toBe(200);
    // a: 07-05 .. 07-11 not delivered = 7 of 10 days -> 70 USD; b: not started -> all 30 USD.
    expect(res.body).toMatchObject({ terminated: 2, refundedUsd: '100.000000' });
    expect(await availableUsd(t, a.id)).toBe(aBefore + 70_000_000n);
    expect(await availableUsd(t, b.id)).toBe(bBefore + 30_000_000n);
    expect((await status(a, started.id)).status).toBe('terminated');
    expect((await status(b, pending.id)).history.at(-1)).toMatchObject({ fromStatus: 'pending', toStatus: 'terminated', reason: 'fleet decommissioned' });
    expect(await sold(product.id)).toBe('0');
    expect((await t.http.get(`/v1/products/${product.id}`, { token: operator.token })).body.status).toBe('paused');
    // Terminating again finds nothing live and refunds nothing.
    expect((await t.http.post(`/v1/products/${product.id}/terminate-contracts`, { reason: 'again' }, { token: operator.token })).body).toMatchObject({
      terminated: 0,
      refundedUsd: '0.000000',
    });
  });

  it('keeps the sold counters equal to the live contracts after all of the above', async () => {
    const { rows } = await t.db.query(
      `SELECT p.id, p.sold_ghs::text AS counter, COALESCE(SUM(c.hashrate_ghs) FILTER (WHERE c.status IN ('pending', 'active', 'paused')), 0)::text AS live
         FROM products p LEFT JOIN contracts c ON c.product_id = p.id GROUP BY p.id`,
    );
    for (const row of rows) expect(row.counter).toBe(row.live);
    await expect(t.db.query(`UPDATE contract_status_changes SET reason = 'x'`)).rejects.toThrow(/append-only/);
  });
});
