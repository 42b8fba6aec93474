import fc from 'fast-check';
import { FixedClock } from '../../src/common/clock/clock.js';
import { type ContractDayState, isPausedForArrears, settleContractDay } from '../../src/modules/settlement/engine/settlement-math.js';
import { seedDayInputs, seedPopulation } from '../../seeds/settlement-seed.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { trialBalance, waitForRun } from './settlement-support.js';

/**
 * The fee and arrears rules, SQL against their TypeScript reference: random pools (1 to 150
 * contracts, random hash rates, electricity fee, management fee, uptime guarantee, grace days,
 * BTC price, earnings and delivery) settle two consecutive days through the queue; for every
 * contract and day, settleContractDay (settlement-math.ts), fed the row's gross (the split is
 * compared in settlement-exactness) and the state it carried in, must give the row's electricity
 * fee (micro-USD and sats), management fee, arrears added, arrears collected and cleared, net,
 * pause and below-guarantee flags, and the carried state after it (arrears, their day,
 * undelivered hash rate, extension days), the contract's extension and its pause for the next day.
 * Day 1 starts from nothing; day 2 collects, clears, pauses and extends from what day 1 left.
 */
describe('settlement fees and arrears against their reference', () => {
  const clock = new FixedClock(new Date('2024-01-01T06:00:00Z'));
  let t: TestApp;
  let finance: TestUser;
  let n = 0;
  /** How often each rule was exercised: the property must not pass by never reaching one. */
  const seen = { arrearsAdded: 0, collected: 0, partlyCleared: 0, paused: 0, below: 0, extended: 0 };

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { SETTLEMENT_CHUNK_SIZE: '100', SETTLEMENT_SWEEP_INTERVAL_MS: '1000', SETTLEMENT_SCHEDULER_ENABLED: 'true', LOG_LEVEL: 'error' },
    });
    finance = await createUser(t, 'finance');
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  const DAY_MS = 86_400_000;
  const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
  const dayText = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
  const none: ContractDayState = { arrearsMicroUsd: 0n, arrearsSinceDay: null, undeliveredGhsPpmDays: 0n, extensionDays: 0n };
  /** A micro-unit integer as the decimal text Postgres stores (6 places). */
  const micro = (v: bigint) => `${v / 1_000_000n}.${(v % 1_000_000n).toString().padStart(6, '0')}`;

  const dayInputs = fc.record({
    earnings: fc.oneof(fc.constant(0n), fc.constant(1n), fc.bigInt({ min: 2n, max: 2_000_000n }), fc.bigInt({ min: 2n, max: 20_000_000_000n })),
    deliveredPpm: fc.option(fc.integer({ min: 0, max: 1_200_000 }), { nil: null }),
  });

  it('gives the numbers settleContractDay gives, contract by contract, day after day', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          contracts: fc.integer({ min: 1, max: 150 }),
          spread: fc.integer({ min: 1, max: 2_000_000 }),
          unsoldGhs: fc.bigInt({ min: 0n, max: 200_000_000n }),
          feeMicroUsdPerThDay: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 100_000n }), fc.bigInt({ min: 100_000n, max: 50_000_000n })),
          managementFeeBps: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000 })),
          uptimeGuaranteeBps: fc.integer({ min: 0, max: 10_000 }),
          arrearsGraceDays: fc.integer({ min: 0, max: 2 }),
          priceMicroUsdPerBtc: fc.oneof(fc.bigInt({ min: 1_000_000n, max: 1_000_000_000n }), fc.bigInt({ min: 1_000_000_000n, max: 200_000_000_000n })),
          days: fc.tuple(dayInputs, dayInputs),
        }),
        async (p) => {
          n += 1;
          // Days of their own (a day's BTC price is shared by every pool).
          const first = dayNumber('2024-01-01') + 3 * n;
          const seeded = await seedPopulation(t.db, {
            tag: `o${n}`,
            contracts: p.contracts,
            customers: Math.max(1, Math.ceil(p.contracts / 2)),
            startDay: dayText(first),
            termDays: 30,
            unsoldGhs: p.unsoldGhs,
            hashrateSql: `(1 + (abs(hashtext('o${n}-' || g)) % ${p.spread}))::bigint`,
            electricityFeeUsdPerThDay: micro(p.feeMicroUsdPerThDay),
            managementFeeBps: p.managementFeeBps,
            uptimeGuaranteeBps: p.uptimeGuaranteeBps,
            arrearsGraceDays: p.arrearsGraceDays,
          });
          const { rows: contracts } = await t.db.query<{ id: string; h: string }>(`SELECT id, hashrate_ghs::text AS h FROM contracts WHERE pool_id = $1`, [
            seeded.poolId,
          ]);
          const carried = new Map<string, ContractDayState>(contracts.map((c) => [c.id, none]));

          for (const [i, inputs] of p.days.entries()) {
            const dayNo = first + i;
            const day = dayText(dayNo);
            clock.set(new Date(`${dayText(dayNo + 1)}T02:00:00Z`));
            const delivered = inputs.deliveredPpm === null ? undefined : (seeded.soldGhs * BigInt(inputs.deliveredPpm)) / 1_000_000n;
            await seedDayInputs(t.db, seeded, day, { priceUsd: micro(p.priceMicroUsdPerBtc), earningsSats: inputs.earnings, deliveredGhs: delivered });
            expect((await t.http.post('/v1/settlements/runs', { day }, { token: finance.token })).status).toBe(202);
            const run = await waitForRun(t.db, seeded.poolId, day);

            const { rows } = await t.db.query(
              `SELECT cs.contract_id, cs.gross_sats::text AS gross, cs.electricity_fee_micro_usd::text AS fee_usd, cs.electricity_fee_sats::text AS fee_sats,
                      cs.management_fee_sats::text AS mgmt, cs.arrears_collected_sats::text AS collected, cs.arrears_cleared_micro_usd::text AS cleared,
                      cs.net_sats::text AS net, cs.arrears_added_micro_usd::text AS added, cs.flags,
                      coalesce(st.arrears_micro_usd, 0)::text AS arrears, st.arrears_since::text AS since,
                      coalesce(st.undelivered_ghs_ppm_days, 0)::text AS undelivered, coalesce(st.extension_days, 0) AS st_ext,
                      k.extension_days AS k_ext, k.status
                 FROM contract_settlements cs
                 JOIN settlement_runs r ON r.pool_id = cs.pool_id AND r.day = cs.day AND r.seq = cs.seq AND r.attempt = cs.attempt
                 JOIN contracts k ON k.id = cs.contract_id
                 LEFT JOIN contract_settlement_states st ON st.contract_id = cs.contract_id
                WHERE cs.pool_id = $1 AND cs.day = $2 AND cs.seq = 0`,
              [seeded.poolId, day],
            );
            expect(rows).toHaveLength(p.contracts);
            for (const row of rows) {
              const before = carried.get(row.contract_id)!;
              const h = BigInt(contracts.find((c) => c.id === row.contract_id)!.h);
              const want = settleContractDay(
                {
                  day: dayNo,
                  hashrateGhs: h,
                  ratioPpm: BigInt(run.ratio_ppm),
                  grossSats: BigInt(row.gross),
                  feeMicroUsdPerThDay: p.feeMicroUsdPerThDay,
                  managementFeeBps: BigInt(p.managementFeeBps),
                  uptimeGuaranteeBps: BigInt(p.uptimeGuaranteeBps),
                  arrearsGraceDays: p.arrearsGraceDays,
                  priceMicroUsdPerBtc: p.priceMicroUsdPerBtc,
                },
                before,
              );
              const cleared = before.arrearsMicroUsd - (want.after.arrearsMicroUsd - want.arrearsAddedMicroUsd);
              const context = { day, contract: row.contract_id, h: h.toString(), before, gross: row.gross };
              expect({
                ...context,
                row: {
                  feeUsd: row.fee_usd,
                  feeSats: row.fee_sats,
                  mgmt: row.mgmt,
                  added: row.added,
                  collected: row.collected,
                  cleared: row.cleared,
                  net: row.net,
                  paused: (row.flags & 1) !== 0,
                  inArrears: (row.flags & 2) !== 0,
                  below: (row.flags & 4) !== 0,
                  arrears: row.arrears,
                  since: row.since,
                  undelivered: row.undelivered,
                  extension: String(row.st_ext),
                  contractExtension: String(row.k_ext),
                  pausedNext: row.status === 'paused',
                },
              }).toEqual({
                ...context,
                row: {
                  feeUsd: want.electricityFeeMicroUsd.toString(),
                  feeSats: want.electricityFeeSats.toString(),
                  mgmt: want.managementFeeSats.toString(),
                  added: want.arrearsAddedMicroUsd.toString(),
                  collected: want.arrearsCollectedSats.toString(),
                  cleared: cleared.toString(),
                  net: want.netSats.toString(),
                  paused: want.paused,
                  inArrears: want.after.arrearsMicroUsd > 0n,
                  below: want.belowGuarantee,
                  arrears: want.after.arrearsMicroUsd.toString(),
                  since: want.after.arrearsSinceDay === null ? null : dayText(want.after.arrearsSinceDay),
                  undelivered: want.after.undeliveredGhsPpmDays.toString(),
                  extension: want.after.extensionDays.toString(),
                  contractExtension: want.after.extensionDays.toString(),
                  pausedNext: isPausedForArrears(want.after, dayNo + 1, p.arrearsGraceDays),
                },
              });
              carried.set(row.contract_id, want.after);
              if (want.arrearsAddedMicroUsd > 0n) seen.arrearsAdded++;
              if (want.arrearsCollectedSats > 0n) seen.collected++;
              if (cleared > 0n && cleared < before.arrearsMicroUsd) seen.partlyCleared++;
              if (want.paused) seen.paused++;
              if (want.belowGuarantee) seen.below++;
              if (want.after.extensionDays > 0n) seen.extended++;
            }
          }
          expect(await trialBalance(t.db)).toEqual({ BTC: '0', USD: '0' });
        },
      ),
      {
        numRuns: 14,
        // Always among the runs: arrears on day 1 (a fee far above the output at half delivery),
        // then collected in full (grace 1) or paused (grace 0) on day 2, with a day's extension
        // from two days at half delivery; and a day 2 output that pays only part of the debt.
        examples: [0, 1].flatMap((grace) => [
          [
            {
              contracts: 20,
              spread: 1000,
              unsoldGhs: 0n,
              feeMicroUsdPerThDay: 50_000_000n,
              managementFeeBps: 1000,
              uptimeGuaranteeBps: 9500,
              arrearsGraceDays: grace,
              priceMicroUsdPerBtc: 100_000_000_000n,
              days: [
                { earnings: 1000n, deliveredPpm: 500_000 },
                { earnings: 20_000_000_000n, deliveredPpm: 500_000 },
              ] as [{ earnings: bigint; deliveredPpm: number | null }, { earnings: bigint; deliveredPpm: number | null }],
            },
          ],
          [
            {
              // 20 contracts of 1 GH/s: a fee of 51 sats a day, all owed on day 1; 75 sats each on day 2 pay it and 24 of the debt.
              contracts: 20,
              spread: 1,
              unsoldGhs: 0n,
              feeMicroUsdPerThDay: 50_000_000n,
              managementFeeBps: 0,
              uptimeGuaranteeBps: 0,
              arrearsGraceDays: grace + 1,
              priceMicroUsdPerBtc: 98_765_432_100n,
              days: [
                { earnings: 0n, deliveredPpm: 1_000_000 },
                { earnings: 1500n, deliveredPpm: 1_000_000 },
              ] as [{ earnings: bigint; deliveredPpm: number | null }, { earnings: bigint; deliveredPpm: number | null }],
            },
          ],
        ]),
      },
    );
    expect(Object.entries(seen).filter(([, count]) => count === 0)).toEqual([]);
  }, 900_000);
});
