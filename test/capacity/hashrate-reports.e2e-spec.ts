import { FixedClock } from '../../src/common/clock/clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { arrangeCapacity, createProduct } from '../support/capacity-fixtures.js';

describe('hash-rate reports and the capacity view', () => {
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

  it('records a pool-day once; a replay changes nothing; a correction replaces it with an audit record', async () => {
    const { pool } = await arrangeCapacity(t, operator.token, 10);
    const body = { poolId: pool.id, day: '2026-04-19', deliveredThs: '1950.5', uptimeBps: 9800 };
    const first = await t.http.post('/v1/hashrate-reports', body, { token: operator.token });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      outcome: 'created',
      report: { poolId: pool.id, day: '2026-04-19', deliveredThs: '1950.500', uptimeBps: 9800, revision: 1 },
    });
    const replay = await t.http.post('/v1/hashrate-reports', { ...body, deliveredThs: '1950.500' }, { token: operator.token });
    expect([replay.status, replay.body.outcome, replay.body.report.revision]).toEqual([200, 'unchanged', 1]);
    const corrected = await t.http.post('/v1/hashrate-reports', { ...body, deliveredThs: '1900' }, { token: admin.token });
    expect([corrected.status, corrected.body.outcome]).toEqual([200, 'corrected']);
    expect(corrected.body.report).toMatchObject({ deliveredThs: '1900.000', revision: 2, reportedBy: admin.id });
    const audit = await t.db.query(`SELECT action, before, after FROM audit_log WHERE entity_type = 'hashrate_report' AND entity_id = $1 ORDER BY id`, [
      `${pool.id}/2026-04-19`,
    ]);
    expect(audit.rows.map((r) => r.action)).toEqual(['capacity.hashrate_report.recorded', 'capacity.hashrate_report.corrected']);
    expect(audit.rows[1].before).toMatchObject({ deliveredThs: '1950.500', revision: 1 });
    expect(audit.rows[1].after).toMatchObject({ deliveredThs: '1900.000', revision: 2 });
    const list = (await t.http.get(`/v1/hashrate-reports?poolId=${pool.id}`, { token: finance.token })).body;
    expect(list).toEqual([expect.objectContaining({ day: '2026-04-19', deliveredThs: '1900.000' })]);
  });

  it('is idempotent under concurrency: 10 identical reports make one row and one audit record', async () => {
    const { pool } = await arrangeCapacity(t, operator.token, 10);
    const body = { poolId: pool.id, day: '2026-04-20', deliveredThs: '2000', uptimeBps: 10000 };
    const results = await Promise.all(Array.from({ length: 10 }, () => t.http.post('/v1/hashrate-reports', body, { token: operator.token })));
    expect(results.map((r) => r.body.outcome).sort()).toEqual(['created', ...Array(9).fill('unchanged')]);
    const rows = await t.db.query(`SELECT COUNT(*)::int AS n FROM audit_log WHERE entity_id = $1`, [`${pool.id}/2026-04-20`]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('rejects future days, bad figures and non-operators, writing nothing', async () => {
    const { pool } = await arrangeCapacity(t, operator.token, 1);
    const cases: [Record<string, unknown>, string][] = [
      [{ day: '2026-04-21' }, 'day must not be in the future'],
      [{ day: '20260419' }, 'day'],
      [{ deliveredThs: '-1' }, 'deliveredThs'],
      [{ deliveredThs: '1.2345' }, 'deliveredThs'],
      [{ uptimeBps: 10001 }, 'uptimeBps'],
      [{ poolId: 'x' }, 'poolId'],
    ];
    for (const [overrides, message] of cases) {
      const res = await t.http.post(
        '/v1/hashrate-reports',
        { poolId: pool.id, day: '2026-04-19', deliveredThs: '1', uptimeBps: 1, ...overrides },
        { token: operator.token },
      );
      expect([res.status, res.body.message]).toEqual([400, expect.stringContaining(message)]);
    }
    for (const user of [customer, finance]) {
      expect(
        (await t.http.post('/v1/hashrate-reports', { poolId: pool.id, day: '2026-04-19', deliveredThs: '1', uptimeBps: 1 }, { token: user.token })).status,
      ).toBe(403);
    }
    const rows = await t.db.query(`SELECT COUNT(*)::int AS n FROM hashrate_reports WHERE pool_id = $1`, [pool.id]);
    expect(rows.rows[0].n).toBe(0);
  });

  it('shows per pool and site: installed, online, allocated, sold, available and delivered vs sold', async () => {
    const { pool, site, fleet, model } = await arrangeCapacity(t, operator.token, 50); // 10,000 TH/s, 175 kW
    const second = await t.http.post(
      '/v1/fleets',
      { name: `second-${pool.id}`, siteId: site.id, minerModelId: model.id, poolId: pool.id, unitCount: 25, status: 'maintenance' },
      { token: operator.token },
    );
    expect(second.status).toBe(201);
    const product = await createProduct(t, operator.token, pool.id, { capacityAllocatedThs: '8000' });
    // Contracts are what the sold counter counts; arranged here directly until purchases exist.
    await t.db.query(`UPDATE products SET sold_ghs = 3000000 WHERE id = $1`, [product.id]);
    await t.http.post('/v1/hashrate-reports', { poolId: pool.id, day: '2026-04-19', deliveredThs: '2700', uptimeBps: 9000 }, { token: operator.token });

    const view = (await t.http.get('/v1/capacity', { token: finance.token })).body;
    expect(view.asOf).toBe('2026-04-20T12:00:00.000Z');
    expect(view.pools.find((p: any) => p.poolId === pool.id)).toMatchObject({
      installedThs: '15000.000',
      onlineThs: '10000.000',
      allocatedThs: '8000.000',
      soldThs: '3000.000',
      availableThs: '5000.000',
      unallocatedThs: '2000.000',
      underDeliveryThs: '0.000',
      fleetCount: 2,
      latestReport: { day: '2026-04-19', deliveredThs: '2700.000', uptimeBps: 9000, soldThs: '3000.000', deliveryRatioBps: 9000 },
    });
    expect(view.sites.find((s: any) => s.siteId === site.id)).toMatchObject({
      installedThs: '15000.000',
      onlineThs: '10000.000',
      powerCapacityKw: '10000.000',
      powerDrawKw: '262.500',
      fleetCount: 2,
    });

    // A fleet going offline lowers online at once; sold stays sold and shows as under-delivery.
    await t.http.post(`/v1/fleets/${fleet.id}/status`, { status: 'offline', reason: 'power cut' }, { token: operator.token });
    const after = (await t.http.get('/v1/capacity', { token: operator.token })).body.pools.find((p: any) => p.poolId === pool.id);
    expect(after).toMatchObject({ onlineThs: '0.000', soldThs: '3000.000', underDeliveryThs: '3000.000' });
  });
});
