import { DataSource } from 'typeorm';
import { affectedCount, columnsOf, mapRows, queryEntities, resultRows, setLocal } from '../../src/database/data-access.js';
import { SettlementRun } from '../../src/modules/settlement/entities/settlement-run.entity.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The data-access helper maps raw SQL rows from entity metadata, against the real schema. */
describe('data access from entity metadata', () => {
  let t: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ role: 'api' });
    ds = t.app.get(DataSource);
    await t.db.query(`INSERT INTO pools (id, name, stratum_endpoint, payout_scheme, fee_bps, payout_address)
      VALUES ('00000000-0000-4000-8000-000000000001', 'p', 'stratum+tcp://p:1', 'FPPS', 0, 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq')`);
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it("selects an entity's columns and maps them: bigint money as bigint, numerics as strings, days as UTC day strings", async () => {
    await t.db.query(
      `INSERT INTO settlement_runs (pool_id, day, seq, status, earnings_sats, btc_usd, triggered_by, created_at, updated_at)
       VALUES ('00000000-0000-4000-8000-000000000001', '2025-01-31', 0, 'waiting', 9007199254740993, 61234.5, 'test', now(), now())`,
    );
    const [run] = await queryEntities(ds, SettlementRun, `SELECT ${columnsOf(ds, SettlementRun, 'r')} FROM settlement_runs r WHERE r.day = $1`, ['2025-01-31']);
    expect(run.day).toBe('2025-01-31');
    expect(run.earningsSats).toBe(9007199254740993n);
    expect(run.btcUsd).toBe('61234.50000000');
    expect(run.soldGhs).toBeNull();
    expect(run.createdAt).toBeInstanceOf(Date);
    expect(typeof run.attempt).toBe('number');
  });

  it('selects only the named properties, and maps what a statement returns', async () => {
    const sql = columnsOf(ds, SettlementRun, undefined, ['day', 'earningsSats']);
    expect(sql).toBe(`"day"::text AS "day", "earnings_sats"`);
    const result = await t.db.query(`UPDATE settlement_runs SET seq = seq RETURNING ${sql}`);
    expect(mapRows(ds, SettlementRun, result.rows)).toEqual([{ day: '2025-01-31', earningsSats: 9007199254740993n }]);
    const raw = await ds.query(`UPDATE settlement_runs SET seq = seq RETURNING ${sql}`);
    expect(resultRows(raw)).toHaveLength(1);
    expect(affectedCount(raw)).toBe(1);
  });

  it('sets per-statement settings for the rest of the transaction only', async () => {
    const inside = await ds.transaction(async (m) => {
      await setLocal(m, { work_mem: '77MB', jit: false });
      return (await m.query(`SELECT current_setting('work_mem') AS w, current_setting('jit') AS j`))[0];
    });
    expect(inside).toEqual({ w: '77MB', j: 'off' });
    const after = (await ds.query(`SELECT current_setting('work_mem') AS w`))[0];
    expect(after.w).not.toBe('77MB');
  });
});
