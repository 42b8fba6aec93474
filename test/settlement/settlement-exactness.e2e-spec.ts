import fc from 'fast-check';
import { seedDayInputs, seedPopulation } from '../../seeds/settlement-seed.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { expectedGross, settlementsOf, trialBalance, waitForRun } from './settlement-support.js';

/**
 * Exactness, as a property over random pools (1 to 5,000 contracts, random hash rates and
 * unsold capacity, earnings including 0 and 1 sat, with and without an under-delivery report):
 * gross plus house equals the earnings to the sat, each contract's gross is the textbook
 * largest-remainder share, net plus fees equals gross, and the ledger balances.
 */
describe('settlement exactness over random pools', () => {
  let t: TestApp;
  let finance: TestUser;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp({ env: { SETTLEMENT_CHUNK_SIZE: '700', SETTLEMENT_SWEEP_INTERVAL_MS: '1000', SETTLEMENT_SCHEDULER_ENABLED: 'true' } });
    finance = await createUser(t, 'finance');
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it('allocates every sat exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.oneof(fc.constant(0n), fc.constant(1n), fc.bigInt({ min: 2n, max: 50_000_000_000n })),
        fc.bigInt({ min: 0n, max: 500_000_000n }),
        fc.option(fc.integer({ min: 0, max: 1_200_000 }), { nil: null }),
        async (contracts, spread, earnings, unsoldGhs, deliveredPpm) => {
          n += 1;
          const day = '2025-08-01';
          const seeded = await seedPopulation(t.db, {
            tag: `x${n}`,
            contracts,
            customers: Math.max(1, Math.ceil(contracts / 3)),
            startDay: day,
            termDays: 30,
            unsoldGhs,
            hashrateSql: `(1 + (abs(hashtext('${n}-' || g)) % ${spread}))::bigint`,
          });
          const delivered = deliveredPpm === null ? undefined : (seeded.soldGhs * BigInt(deliveredPpm)) / 1_000_000n;
          await seedDayInputs(t.db, seeded, day, { priceUsd: '98765.4321', earningsSats: earnings, deliveredGhs: delivered });
          const res = await t.http.post('/v1/settlements/runs', { day }, { token: finance.token });
          expect(res.status).toBe(202);
          const run = await waitForRun(t.db, seeded.poolId, day);
          const rows = await settlementsOf(t.db, seeded.poolId, day);
          expect(rows.size).toBe(contracts);
          const expected = await expectedGross(t.db, seeded.poolId, earnings, BigInt(run.ratio_ppm), BigInt(run.house_weight));
          let gross = 0n;
          for (const [id, row] of rows) {
            expect(BigInt(row.gross_sats)).toBe(expected.byContract.get(id));
            const fees = BigInt(row.electricity_fee_sats) + BigInt(row.management_fee_sats) + BigInt(row.arrears_collected_sats);
            expect(BigInt(row.net_sats) + fees).toBe(BigInt(row.gross_sats));
            gross += BigInt(row.gross_sats);
          }
          expect(BigInt(run.house_sats)).toBe(expected.house);
          expect(gross + BigInt(run.house_sats)).toBe(earnings);
          expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
        },
      ),
      { numRuns: 12 },
    );
  }, 600_000);
});
