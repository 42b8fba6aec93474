import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '../../src/common/clock/clock.js';
import { MarketService } from '../../src/modules/market/market.service.js';
import { expectedSatsPerDayRatio } from '../../src/modules/market/yield-math.js';
import { MarketHistoryService } from '../../src/modules/simulation/market-history/market-history.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

/*
 * Hashprice from the bundled history, derived by hand.
 *
 * data/market/btc-daily.csv:
 *   2024-04-19,63843.57,85968906725001.12,638555827,625000000   (the last day before the halving)
 *   2024-04-21,64926.64,86388558925171.30,629436131,312500000   (the first full day after it)
 * Fees per block are modelled as 3% of the subsidy (SIM_TX_FEE_SHARE_BPS=300, floor):
 *   2024-04-19: 625,000,000 x 300 / 10,000 = 18,750,000 -> reward 643,750,000 sats
 *   2024-04-21: 312,500,000 x 300 / 10,000 =  9,375,000 -> reward 321,875,000 sats
 * Expected sats per TH/s per day = 86,400 x 10^12 x reward / (difficulty x 2^32), with the
 * difficulty's two decimals as an exact fraction (x 100 / 100), rounded down once:
 *   2024-04-19: 86,400 x 10^12 x 643,750,000 x 100 = 5,562,000,000,000,000,000,000,000,000
 *               8,596,890,672,500,112 x 4,294,967,296 = 36,923,364,285,675,427,596,337,152
 *               quotient 150 (150 x 36,923,364,285,675,427,596,337,152 = 5,538,504,642,851,314,139,450,572,800;
 *               remainder 23,495,357,148,685,860,549,427,200 < the divisor) -> 150 sats
 *   2024-04-21: 86,400 x 10^12 x 321,875,000 x 100 = 2,781,000,000,000,000,000,000,000,000
 *               8,638,855,892,517,130 x 4,294,967,296 = 37,103,603,533,217,964,469,780,480
 *               quotient 74 (74 x 37,103,603,533,217,964,469,780,480 = 2,745,666,661,458,129,370,763,755,520;
 *               remainder 35,333,338,541,870,629,236,244,480 < the divisor) -> 74 sats
 * For 1,000 TH/s the same fractions x 1,000, rounded down once:
 *   2024-04-19: 5,562,000 x 10^24 / 36,923,364,285,675,427,596,337,152 = 150,636.32... -> 150,636 sats
 *   2024-04-21: 2,781,000 x 10^24 / 37,103,603,533,217,964,469,780,480 =  74,952.28... ->  74,952 sats
 * The halving halves the subsidy and the difficulty rose 0.49%: hashprice falls by a bit more than half.
 */
describe('bundled market history through the market service', () => {
  let t: TestApp;
  let finance: TestUser;
  const clock = new FixedClock(new Date('2024-05-01T12:00:00Z'));

  beforeAll(async () => {
    t = await startTestApp({ clock });
    finance = await createUser(t, 'finance');
  });
  afterAll(async () => t?.close());

  const ctx = () => ({ user: { userId: finance.id, role: 'finance' as const, email: finance.email }, requestId: 'test-market-history' });

  it('imports the days around the halving and yields the hashprice derived by hand, to the satoshi', async () => {
    const history = t.app.get(MarketHistoryService);
    const result = await history.importRange(ctx(), '2024-04-19', '2024-04-21');
    expect(result).toEqual({ days: 3, created: 6, unchanged: 0 });

    const market = t.app.get(MarketService);
    const before = (await market.difficultyOn('2024-04-19'))!;
    const after = (await market.difficultyOn('2024-04-21'))!;
    expect(before.blockSubsidySats + before.avgFeesPerBlockSats).toBe(643_750_000n);
    expect(after.blockSubsidySats + after.avgFeesPerBlockSats).toBe(321_875_000n);
    expect(market.expectedSatsPerThDay(before.difficulty, 643_750_000n)).toBe(150n);
    expect(market.expectedSatsPerThDay(after.difficulty, 321_875_000n)).toBe(74n);
    const perPh = (d: typeof before) => {
      const r = expectedSatsPerDayRatio(1_000_000n, d.difficulty, d.blockSubsidySats + d.avgFeesPerBlockSats);
      return r.num / r.den;
    };
    expect(perPh(before)).toBe(150_636n);
    expect(perPh(after)).toBe(74_952n);
    expect((await market.priceOn('2024-04-21'))!.usdPerBtc).toBe('64926.64000000');
  });

  it('went through the normal path: audited as the finance user, and a second import changes nothing', async () => {
    const { rows } = await t.db.query(
      `SELECT action, count(*)::int AS n, min(actor_id::text) AS actor FROM audit_log WHERE action LIKE 'market.%' GROUP BY action ORDER BY action`,
    );
    expect(rows).toEqual([
      { action: 'market.difficulty.recorded', n: 3, actor: finance.id },
      { action: 'market.price.recorded', n: 3, actor: finance.id },
    ]);
    const again = await t.app.get(MarketHistoryService).importRange(ctx(), '2024-04-19', '2024-04-21');
    expect(again).toEqual({ days: 3, created: 0, unchanged: 6 });
    const count = await t.db.query(`SELECT (SELECT count(*) FROM btc_prices)::int AS prices, (SELECT count(*) FROM network_difficulty)::int AS difficulties`);
    expect(count.rows[0]).toEqual({ prices: 3, difficulties: 3 });
  });

  it("refuses a day after the clock (the market service's own rule) and writes nothing", async () => {
    await expect(t.app.get(MarketHistoryService).importRange(ctx(), '2024-05-02', '2024-05-02')).rejects.toMatchObject({ code: 'VALIDATION.FAILED' });
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM btc_prices WHERE day = '2024-05-02'`);
    expect(rows[0].n).toBe(0);
  });

  it("validates a history file with the endpoints' DTOs, naming the bad line", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hm-market-'));
    const file = join(dir, 'bad.csv');
    writeFileSync(
      file,
      'date,btc_usd_close,difficulty_7d_avg,hash_rate_ths_7d_avg,block_subsidy_sats\n2024-04-19,63843.57,85968906725001.12,1,625000000\n2024-04-20,-5,85968906725001.12,1,312500000\n',
    );
    await expect(t.app.get(MarketHistoryService).load(file)).rejects.toThrow(/line 3: usdPerBtc/);
  });
});
