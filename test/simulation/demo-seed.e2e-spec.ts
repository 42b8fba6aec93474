import { FixedClock } from '../../src/common/clock/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { demoOnStart } from '../../src/modules/simulation/demo/demo-on-start.js';
import { DEMO_PASSWORD } from '../../src/modules/simulation/demo/demo-logins.js';
import { DemoSeedService } from '../../src/modules/simulation/demo/demo-seed.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Rows the demo writes, to prove a second start writes none. */
async function counts(t: TestApp) {
  const { rows } = await t.db.query(
    `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM users WHERE role = 'customer')::int AS customers,
            (SELECT count(*) FROM sites)::int AS sites, (SELECT count(*) FROM miner_models)::int AS models, (SELECT count(*) FROM pools)::int AS pools,
            (SELECT count(*) FROM fleets)::int AS fleets, (SELECT count(*) FROM products)::int AS products, (SELECT count(*) FROM contracts)::int AS contracts,
            (SELECT count(*) FROM ledger_entries)::int AS entries, (SELECT count(*) FROM btc_prices)::int AS prices,
            (SELECT count(*) FROM audit_log)::int AS audits, (SELECT coalesce(sum(sold_ghs), 0)::text FROM products) AS sold`,
  );
  return rows[0];
}

describe('demo seed', () => {
  let t: TestApp;
  const clock = new FixedClock(new Date('2026-03-10T09:00:00Z'));
  const output: string[] = [];
  const write = (text: string) => output.push(text);

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => t?.close());

  it('offers the demo world on an empty database and applies nothing without the flag', async () => {
    const before = await counts(t);
    await demoOnStart(t.app, t.config, [], write);
    expect(output.join('')).toMatch(/This database is empty[\s\S]*npm start -- --demo[\s\S]*DEMO_SEED=true/);
    expect(await counts(t)).toEqual(before);
  });

  it('applies the world with --demo: staff, sites, models, pools, products, customers with deposits and contracts', async () => {
    output.length = 0;
    await demoOnStart(t.app, t.config, ['--demo'], write);
    expect(output.join('')).toMatch(/demo world applied: 300 customers, \d+ contracts/);
    expect(output.join('')).toContain(`password  ${DEMO_PASSWORD}`);
    const c = await counts(t);
    expect(c).toMatchObject({ users: 303, customers: 300, sites: 2, models: 3, pools: 4, fleets: 8, products: 4 });
    expect(c.contracts).toBeGreaterThanOrEqual(300);
    const { rows: sites } = await t.db.query(`SELECT DISTINCT electricity_price_usd_per_kwh::text AS p FROM sites`);
    expect(sites).toHaveLength(2);
    const { rows: schemes } = await t.db.query(`SELECT payout_scheme AS s, count(*)::int AS n FROM pools GROUP BY 1 ORDER BY 1`);
    expect(schemes).toEqual([
      { s: 'FPPS', n: 2 },
      { s: 'PPLNS', n: 1 },
      { s: 'PPS+', n: 1 },
    ]);
    const { rows: terms } = await t.db.query(`SELECT term_days AS d FROM products ORDER BY 1`);
    expect(terms.map((r) => r.d)).toEqual([30, 90, 180, 360]);
    const { rows: roles } = await t.db.query(`SELECT role, count(*)::int AS n FROM users GROUP BY role ORDER BY role`);
    expect(roles).toEqual([
      { role: 'admin', n: 1 },
      { role: 'customer', n: 300 },
      { role: 'finance', n: 1 },
      { role: 'operator', n: 1 },
    ]);
    const { rows: funded } = await t.db.query(`SELECT count(DISTINCT reference)::int AS n FROM ledger_entries WHERE type = 'deposit'`);
    expect(funded[0].n).toBe(300);
    // Customers share one password hash (hashed once), and the logins work over HTTP.
    const { rows: hashes } = await t.db.query(`SELECT count(DISTINCT password_hash)::int AS n FROM users WHERE role = 'customer'`);
    expect(hashes[0].n).toBe(1);
    for (const email of ['admin@demo.hashmarket.example', 'finance@demo.hashmarket.example', 'customer-00001@demo.hashmarket.example']) {
      const login = await t.http.post('/v1/auth/login', { email, password: DEMO_PASSWORD });
      expect(login.status).toBe(200);
    }
  });

  it('is idempotent: a second start (and a second apply) seeds nothing', async () => {
    const before = await counts(t);
    output.length = 0;
    await demoOnStart(t.app, t.config, ['--demo'], write);
    expect(output.join('')).toMatch(/demo world already applied/);
    const second = await t.app.get(DemoSeedService).apply();
    expect(second.applied).toBe(false);
    expect(await counts(t)).toEqual(before);
  });

  it('completes an interrupted seed without doubling anything: every step has a natural key', async () => {
    const before = await counts(t);
    const again = await t.app.get(DemoSeedService).seed(300);
    expect(again.applied).toBe(true);
    expect(again.refused).toBe(0);
    const after = await counts(t);
    // Staff and customers are found by email, world by names, deposits by reference, purchases by Idempotency-Key.
    expect(after).toEqual(before);
  });

  it('never runs with NODE_ENV=production', async () => {
    output.length = 0;
    const production = { ...loadConfig({ NODE_ENV: 'production', JWT_ACCESS_SECRET: 'x'.repeat(40), TOTP_ENCRYPTION_KEY: 'ab'.repeat(32) }), DEMO_SEED: true };
    const before = await counts(t);
    await demoOnStart(t.app, production, [], write);
    expect(output.join('')).toMatch(/never applied with NODE_ENV=production/);
    expect(await counts(t)).toEqual(before);
  });
});
