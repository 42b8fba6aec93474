import pg from 'pg';
import { applySplit, planSplit, type SplitPart } from '../../src/modules/settlement/engine/settlement-math.js';

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 90_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

type Db = Pick<pg.Pool, 'query'>;

export async function runOf(db: Db, poolId: string, day: string, seq = 0) {
  const { rows } = await db.query(`SELECT * FROM settlement_runs WHERE pool_id = $1 AND day = $2 AND seq = $3`, [poolId, day, seq]);
  return rows[0] ?? null;
}

export function waitForRun(db: Db, poolId: string, day: string, seq = 0, timeoutMs = 120_000) {
  return waitFor(
    `run ${poolId} ${day} s${seq}`,
    async () => {
      const run = await runOf(db, poolId, day, seq);
      if (run?.status === 'failed') throw new Error(`run failed: ${run.error}`);
      return run?.status === 'completed' ? run : null;
    },
    timeoutMs,
  );
}

/** Every settlement of the pool's day, by contract id. */
export async function settlementsOf(db: Db, poolId: string, day: string, seq = 0): Promise<Map<string, Record<string, string>>> {
  const { rows } = await db.query(
    `SELECT contract_id, gross_sats::text, electricity_fee_micro_usd::text, electricity_fee_sats::text, management_fee_sats::text,
            arrears_collected_sats::text, net_sats::text, arrears_added_micro_usd::text, flags
       FROM contract_settlements WHERE pool_id = $1 AND day = $2 AND seq = $3`,
    [poolId, day, seq],
  );
  return new Map(rows.map((r) => [r.contract_id as string, r]));
}

/** The textbook split of the day, computed here in bigint from the contracts and the run's ratio and house weight. */
export async function expectedGross(
  db: Db,
  poolId: string,
  earnings: bigint,
  ratioPpm: bigint,
  houseWeight: bigint,
): Promise<{ byContract: Map<string, bigint>; house: bigint }> {
  const { rows } = await db.query(`SELECT id, hashrate_ghs::text AS h FROM contracts WHERE pool_id = $1`, [poolId]);
  const parts: SplitPart[] = rows.map((r) => ({ kind: 1, id: r.id as string, weight: BigInt(r.h) * ratioPpm }));
  const house: SplitPart = { kind: 0, id: 'house', weight: houseWeight };
  const plan = planSplit(earnings, [...parts, house]);
  const byContract = new Map(parts.map((p) => [p.id as string, applySplit(earnings, plan, p)]));
  const houseShare = plan.totalWeight === 0n ? earnings : applySplit(earnings, plan, house);
  return { byContract, house: houseShare };
}

/** The ledger's trial balance per currency: every account's balance summed (must be zero). */
export async function trialBalance(db: Db): Promise<Record<string, string>> {
  const { rows } = await db.query(`SELECT currency, sum(balance_minor)::text AS total FROM ledger_balances GROUP BY currency`);
  return Object.fromEntries(rows.map((r) => [r.currency, r.total]));
}

/** The rows of a pool's day that count: those of the attempt that completed its run (seq 0). */
export async function paidRows(db: Db, poolId: string, day: string): Promise<{ contract_id: string; customer_id: string; net: string }[]> {
  const { rows } = await db.query(
    `SELECT cs.contract_id, cs.customer_id, cs.net_sats::text AS net
       FROM contract_settlements cs JOIN settlement_runs r ON r.pool_id = cs.pool_id AND r.day = cs.day AND r.seq = cs.seq AND r.attempt = cs.attempt
      WHERE cs.pool_id = $1 AND cs.day = $2 AND cs.seq = 0 AND r.status = 'completed'`,
    [poolId, day],
  );
  return rows;
}

/** Per customer, the sum of the rows' net (customers with nothing left out). */
export function netByCustomer(rows: { customer_id: string; net: string }[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const r of rows) out.set(r.customer_id, (out.get(r.customer_id) ?? 0n) + BigInt(r.net));
  for (const [k, v] of out) if (v === 0n) out.delete(k);
  return out;
}

/** Per customer, what the day's yield entries credited, and in how many postings at most per customer. */
export async function yieldCredits(db: Db, poolId: string, day: string): Promise<{ byCustomer: Map<string, bigint>; maxPostingsPerCustomer: number }> {
  const { rows } = await db.query(
    `SELECT a.customer_id, sum(p.amount_minor)::text AS amount, count(*)::int AS n
       FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id
      WHERE e.type = 'settlement.yield' AND e.idempotency_key LIKE $1 AND a.customer_id IS NOT NULL GROUP BY a.customer_id`,
    [`settlement:${poolId}:${day}:s0:%`],
  );
  return {
    byCustomer: new Map(rows.map((r) => [r.customer_id as string, BigInt(r.amount)])),
    maxPostingsPerCustomer: Math.max(0, ...rows.map((r) => r.n as number)),
  };
}

/** Finance asks for a day to be settled through the API (accepted: 202). */
export async function triggerDay(
  http: { post: (path: string, body: unknown, options: { token: string }) => Promise<{ status: number }> },
  token: string,
  day: string,
): Promise<void> {
  const res = await http.post('/v1/settlements/runs', { day }, { token });
  expect(res.status).toBe(202);
}
