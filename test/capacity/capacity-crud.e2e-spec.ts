import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { ADDRESSES, createFleet, createModel, createPool, createSite } from '../support/capacity-fixtures.js';

describe('capacity: sites, miner models, pools and fleets', () => {
  let t: TestApp;
  let operator: TestUser;
  let admin: TestUser;
  let customer: TestUser;
  let finance: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
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

  const count = async (table: string) => Number((await t.db.query(`SELECT COUNT(*)::int AS n FROM ${table}`)).rows[0].n);

  it('creates, reads, updates and deletes a site with exact decimals, audited', async () => {
    const res = await t.http.post('/v1/sites', { name: 'Hall A', powerCapacityKw: '1500.5', electricityPriceUsdPerKwh: '0.045' }, { token: operator.token });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Hall A', powerCapacityKw: '1500.500', electricityPriceUsdPerKwh: '0.045000' });
    const id = res.body.id;
    expect((await t.http.get(`/v1/sites/${id}`, { token: admin.token })).body.powerCapacityKw).toBe('1500.500');
    const patched = await t.http.patch(`/v1/sites/${id}`, { electricityPriceUsdPerKwh: '0.05' }, { token: admin.token });
    expect(patched.status).toBe(200);
    expect(patched.body.electricityPriceUsdPerKwh).toBe('0.050000');
    const audit = await t.db.query(`SELECT action, actor_id FROM audit_log WHERE entity_id = $1 ORDER BY id`, [id]);
    expect(audit.rows.map((r) => r.action)).toEqual(['capacity.site.created', 'capacity.site.updated']);
    expect(audit.rows[0].actor_id).toBe(operator.id);
    expect((await t.http.delete(`/v1/sites/${id}`, undefined, { token: operator.token })).status).toBe(204);
    expect((await t.http.get(`/v1/sites/${id}`, { token: operator.token })).status).toBe(404);
  });

  it('rejects bad input with a 400 naming the field and writes nothing', async () => {
    const before = await count('sites');
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', powerCapacityKw: '-5', electricityPriceUsdPerKwh: '0.05' }, 'powerCapacityKw'],
      [{ name: 'x', powerCapacityKw: '0', electricityPriceUsdPerKwh: '0.05' }, 'powerCapacityKw'],
      [{ name: 'x', powerCapacityKw: '1.2345', electricityPriceUsdPerKwh: '0.05' }, 'powerCapacityKw'],
      [{ name: 'x', powerCapacityKw: 100, electricityPriceUsdPerKwh: '0.05' }, 'powerCapacityKw'],
      [{ name: 'x', powerCapacityKw: '1e3', electricityPriceUsdPerKwh: '0.05' }, 'powerCapacityKw'],
      [{ name: 'x', powerCapacityKw: '100', electricityPriceUsdPerKwh: '-0.05' }, 'electricityPriceUsdPerKwh'],
      [{ name: ' x', powerCapacityKw: '100', electricityPriceUsdPerKwh: '0.05' }, 'name'],
      [{ name: 'x', powerCapacityKw: '100', electricityPriceUsdPerKwh: '0.05', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await t.http.post('/v1/sites', body, { token: operator.token });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(field);
    }
    const model = await t.http.post('/v1/miner-models', { name: 'm', hashrateThs: '0', efficiencyJPerTh: '17.5' }, { token: operator.token });
    expect(model.status).toBe(400);
    expect(model.body.message).toContain('hashrateThs');
    expect((await t.http.get('/v1/sites/not-a-uuid', { token: operator.token })).body.message).toContain('id must be a UUID');
    expect(await count('sites')).toBe(before);
  });

  it('validates the pool payout address with bitcoinjs-lib for the configured network', async () => {
    for (const payoutAddress of ['tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr', 'hello']) {
      const res = await t.http.post(
        '/v1/pools',
        { name: 'bad', stratumEndpoint: 'stratum+tcp://a.example:3333', payoutScheme: 'FPPS', feeBps: 100, payoutAddress },
        { token: operator.token },
      );
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('payoutAddress must be a valid Bitcoin address on mainnet');
    }
    const badStratum = await t.http.post(
      '/v1/pools',
      { name: 'bad', stratumEndpoint: 'http://a.example', payoutScheme: 'FPPS', feeBps: 100, payoutAddress: ADDRESSES.p2pkh },
      { token: operator.token },
    );
    expect(badStratum.status).toBe(400);
    expect(badStratum.body.message).toContain('stratumEndpoint');
    const badScheme = await t.http.post(
      '/v1/pools',
      { name: 'bad', stratumEndpoint: 'stratum+tcp://a.example:1', payoutScheme: 'SOLO', feeBps: 100, payoutAddress: ADDRESSES.p2pkh },
      { token: operator.token },
    );
    expect(badScheme.status).toBe(400);
    const ok = await createPool(t, admin.token, { payoutAddress: ADDRESSES.p2sh, payoutScheme: 'PPS+' });
    expect(ok).toMatchObject({ payoutAddress: ADDRESSES.p2sh, payoutScheme: 'PPS+', feeBps: 200 });
    const dup = await t.http.post(
      '/v1/pools',
      { name: ok.name, stratumEndpoint: 'stratum+tcp://a.example:1', payoutScheme: 'FPPS', feeBps: 1, payoutAddress: ADDRESSES.p2pkh },
      { token: operator.token },
    );
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('CAPACITY.NAME_TAKEN');
  });

  it('refuses direct changes of where a pool pays or a fleet points', async () => {
    const site = await createSite(t, operator.token);
    const model = await createModel(t, operator.token);
    const pool = await createPool(t, operator.token);
    const other = await createPool(t, operator.token);
    const fleet = await createFleet(t, operator.token, { siteId: site.id, minerModelId: model.id, poolId: pool.id });
    for (const body of [{ payoutAddress: ADDRESSES.p2pkh }, { stratumEndpoint: 'stratum+tcp://evil.example:3333' }]) {
      const res = await t.http.patch(`/v1/pools/${pool.id}`, body, { token: admin.token });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('CAPACITY.GUARDED_SETTING');
    }
    const move = await t.http.patch(`/v1/fleets/${fleet.id}`, { poolId: other.id }, { token: admin.token });
    expect(move.status).toBe(409);
    // Not even raw SQL gets past the database.
    await expect(t.db.query(`UPDATE pools SET payout_address = $2 WHERE id = $1`, [pool.id, ADDRESSES.p2pkh])).rejects.toThrow(/applied routing change/);
    await expect(t.db.query(`UPDATE fleets SET pool_id = $2 WHERE id = $1`, [fleet.id, other.id])).rejects.toThrow(/applied routing change/);
    const fee = await t.http.patch(`/v1/pools/${pool.id}`, { feeBps: 250, name: `${pool.name}-renamed` }, { token: operator.token });
    expect(fee.status).toBe(200);
    expect(fee.body).toMatchObject({ feeBps: 250, payoutAddress: ADDRESSES.p2wpkh });
  });

  it('keeps every site within its power: units x TH/s x J/TH <= kW', async () => {
    // 200 TH/s x 17.5 J/TH = 3,500 W a unit: 285 units draw 997.5 kW of 1,000 kW; 286 would draw 1,001 kW.
    const site = await createSite(t, operator.token, { powerCapacityKw: '1000' });
    const model = await createModel(t, operator.token);
    const pool = await createPool(t, operator.token);
    const ids = { siteId: site.id, minerModelId: model.id, poolId: pool.id };
    const tooMany = await t.http.post('/v1/fleets', { name: 'too-many', unitCount: 286, ...ids }, { token: operator.token });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({
      code: 'CAPACITY.SITE_POWER_EXCEEDED',
      message: "unitCount: the site's fleets would draw 1001 kW but the site has 1000 kW",
    });
    const a = await createFleet(t, operator.token, ids, { unitCount: 200 });
    const b = await createFleet(t, operator.token, ids, { unitCount: 85 });
    expect((await t.http.patch(`/v1/fleets/${b.id}`, { unitCount: 86 }, { token: operator.token })).status).toBe(409);
    expect((await t.http.patch(`/v1/sites/${site.id}`, { powerCapacityKw: '997.499' }, { token: operator.token })).status).toBe(409);
    expect((await t.http.patch(`/v1/sites/${site.id}`, { powerCapacityKw: '997.5' }, { token: operator.token })).status).toBe(200);
    // A denser model refuses the swap when the site cannot power it.
    const hungry = await createModel(t, operator.token, { efficiencyJPerTh: '30' });
    expect((await t.http.patch(`/v1/fleets/${a.id}`, { minerModelId: hungry.id }, { token: operator.token })).body.code).toBe('CAPACITY.SITE_POWER_EXCEEDED');
    // A model's specs are fixed once fleets use it; the database also refuses a change that breaks the site.
    expect((await t.http.patch(`/v1/miner-models/${model.id}`, { efficiencyJPerTh: '18' }, { token: operator.token })).body.code).toBe('CAPACITY.MODEL_IN_USE');
    await expect(t.db.query(`UPDATE miner_models SET efficiency_j_per_th = 18 WHERE id = $1`, [model.id])).rejects.toThrow(/would draw/);
    await expect(t.db.query(`UPDATE fleets SET unit_count = 286 WHERE id = $1`, [a.id])).rejects.toThrow(/would draw/);
    await expect(t.db.query(`UPDATE fleets SET unit_count = -1 WHERE id = $1`, [a.id])).rejects.toThrow(/ck_fleets_unit_count_positive/);
  });

  it('serializes concurrent fleet additions at one site: never more than its power', async () => {
    // 1,000 kW holds 285 units of 3.5 kW: of 10 concurrent requests for 50 units, exactly 5 fit.
    const site = await createSite(t, operator.token, { powerCapacityKw: '1000' });
    const model = await createModel(t, operator.token);
    const pool = await createPool(t, operator.token);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.http.post(
          '/v1/fleets',
          { name: `race-${site.id}-${i}`, unitCount: 50, siteId: site.id, minerModelId: model.id, poolId: pool.id },
          { token: operator.token },
        ),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
    const { rows } = await t.db.query(`SELECT SUM(unit_count)::int AS units FROM fleets WHERE site_id = $1`, [site.id]);
    expect(rows[0].units).toBe(250);
  });

  it('records every fleet status change with its time and who made it', async () => {
    const site = await createSite(t, operator.token);
    const model = await createModel(t, operator.token);
    const pool = await createPool(t, operator.token);
    const fleet = await createFleet(t, operator.token, { siteId: site.id, minerModelId: model.id, poolId: pool.id });
    expect(fleet).toMatchObject({ status: 'online', hashrateThs: '20000.000' });
    expect((await t.http.post(`/v1/fleets/${fleet.id}/status`, { status: 'maintenance', reason: 'firmware' }, { token: operator.token })).body.status).toBe(
      'maintenance',
    );
    expect((await t.http.post(`/v1/fleets/${fleet.id}/status`, { status: 'offline' }, { token: admin.token })).body.changed).toBe(true);
    expect((await t.http.post(`/v1/fleets/${fleet.id}/status`, { status: 'offline' }, { token: admin.token })).body.changed).toBe(false);
    expect((await t.http.post(`/v1/fleets/${fleet.id}/status`, { status: 'broken' }, { token: admin.token })).status).toBe(400);
    const history = (await t.http.get(`/v1/fleets/${fleet.id}/status-history`, { token: operator.token })).body;
    expect(history.map((h: any) => [h.fromStatus, h.toStatus, h.changedBy])).toEqual([
      [null, 'online', operator.id],
      ['online', 'maintenance', operator.id],
      ['maintenance', 'offline', admin.id],
    ]);
    expect(history[1].reason).toBe('firmware');
    await expect(t.db.query(`UPDATE fleet_status_changes SET to_status = 'online' WHERE fleet_id = $1`, [fleet.id])).rejects.toThrow(/append-only/);
    // Deleting: only offline fleets; the site, model and pool then have no fleets and can go too.
    expect((await t.http.delete(`/v1/fleets/${fleet.id}`, undefined, { token: operator.token })).status).toBe(204);
    expect((await t.http.delete(`/v1/miner-models/${model.id}`, undefined, { token: operator.token })).status).toBe(204);
    expect((await t.http.delete(`/v1/pools/${pool.id}`, undefined, { token: operator.token })).status).toBe(204);
  });

  it('refuses deleting what is still in use', async () => {
    const site = await createSite(t, operator.token);
    const model = await createModel(t, operator.token);
    const pool = await createPool(t, operator.token);
    const fleet = await createFleet(t, operator.token, { siteId: site.id, minerModelId: model.id, poolId: pool.id });
    expect((await t.http.delete(`/v1/fleets/${fleet.id}`, undefined, { token: operator.token })).body.code).toBe('CAPACITY.FLEET_ONLINE');
    for (const path of [`/v1/sites/${site.id}`, `/v1/miner-models/${model.id}`, `/v1/pools/${pool.id}`]) {
      const res = await t.http.delete(path, undefined, { token: operator.token });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('CAPACITY.IN_USE');
    }
  });

  it('keeps customers and finance out of capacity management', async () => {
    const site = await createSite(t, operator.token);
    for (const user of [customer, finance]) {
      expect((await t.http.post('/v1/sites', { name: 'x', powerCapacityKw: '1', electricityPriceUsdPerKwh: '0' }, { token: user.token })).status).toBe(403);
      expect((await t.http.patch(`/v1/sites/${site.id}`, { powerCapacityKw: '1' }, { token: user.token })).status).toBe(403);
      expect((await t.http.get('/v1/pools', { token: user.token })).status).toBe(403);
      expect((await t.http.post('/v1/fleets', {}, { token: user.token })).status).toBe(403);
      expect((await t.http.post('/v1/routing-changes', {}, { token: user.token })).status).toBe(403);
    }
    expect((await t.http.get('/v1/sites')).status).toBe(401);
  });
});
