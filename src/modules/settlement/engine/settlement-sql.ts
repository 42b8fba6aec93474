import { embed, type SqlSource } from '../../../common/sql/sql-source.js';

/**
 * The set-based SQL of one settlement run. Nothing here loops over contracts in the process:
 * the plan aggregates the pool per (product, hash rate), the chunk statement writes the
 * settlements of a whole customer-id range in one INSERT ... SELECT and keeps what each of
 * those customers is owed. The arithmetic is settlement-math.ts, rule for rule (the specs compare them).
 *
 * Columns the contracts source must return (see ContractsSettlementService.inForceSource):
 * contract_id uuid, customer_id uuid, product_id uuid, hashrate_ghs bigint,
 * electricity_fee_usd_per_th_day numeric, management_fee_bps int, uptime_guarantee_bps int,
 * arrears_grace_days int.
 */

/** Paused on `day`: arrears outstanding whose oldest day is more than the product's grace days before it. */
const PAUSED = (day: string, s = 's', c = 'c') => `(${s}.arrears_micro_usd > 0 AND ${day}::date - ${s}.arrears_since > ${c}.arrears_grace_days) IS TRUE`;

/**
 * Adjustments: a contract is paused when the day's own settlement (seq 0) recorded it so, in
 * the attempt that completed the day (rows of a failed attempt stay beside it).
 */
const DAY_PAUSED = `((o.flags & 1) = 1) IS TRUE`;
const dayRowJoin = (day: string, attempt: string) =>
  `LEFT JOIN contract_settlements o ON o.day = ${day}::date AND o.contract_id = c.contract_id AND o.seq = 0 AND o.attempt = ${attempt}::int`;

export interface PlanParams {
  runId: string;
  day: string;
  earningsSats: bigint;
  /** Delivered GH/s from the day's hash-rate report, or null without one (ratio 1). */
  deliveredGhs: bigint | null;
  onlineGhs: bigint;
  btcUsd: string;
  /** Adjustments reuse the day's ratio, house weight and pause flags (and charge no electricity). */
  fixed: { ratioPpm: number; houseWeight: string; dayAttempt: number } | null;
}

/**
 * The plan: per (product, hash rate) groups, the delivery ratio, the house weight, the total
 * weight W, the leftover L and the tie class holding the L-th largest remainder; and, in the
 * same statement, the run's weight table (base share, +1 rule and electricity fee per group).
 */
export function planStatement(source: SqlSource, p: PlanParams): { sql: string; params: unknown[] } {
  const params: unknown[] = [
    p.runId,
    p.day,
    p.earningsSats.toString(),
    p.deliveredGhs?.toString() ?? null,
    p.onlineGhs.toString(),
    p.btcUsd,
    p.fixed ? String(p.fixed.ratioPpm) : null,
    p.fixed?.houseWeight ?? null,
    p.fixed !== null,
  ];
  // $10 only where it is referenced: Postgres must infer every parameter's type.
  if (p.fixed) params.push(p.fixed.dayAttempt);
  const src = embed(source, params);
  // For adjustments the paused flag is what the day itself recorded, not today's state.
  const paused = p.fixed ? DAY_PAUSED : PAUSED('$2');
  const join = p.fixed ? dayRowJoin('$2', '$10') : `LEFT JOIN contract_settlement_states s ON s.contract_id = c.contract_id`;
  const sql = `
    WITH c AS (
      SELECT c.contract_id, c.product_id, c.hashrate_ghs, c.electricity_fee_usd_per_th_day AS fee, ${paused} AS paused
        FROM (${src}) c ${join}
    ),
    g AS (
      SELECT product_id, hashrate_ghs AS h, paused, min(fee) AS fee, count(*)::bigint AS n FROM c GROUP BY 1, 2, 3
    ),
    totals AS (
      SELECT coalesce(sum(n), 0)::bigint AS contracts,
             coalesce(sum(n) FILTER (WHERE paused), 0)::bigint AS paused_contracts,
             coalesce(sum(h * n) FILTER (WHERE NOT paused), 0)::numeric AS sold
        FROM g
    ),
    params AS (
      SELECT t.*,
             CASE WHEN $9::boolean THEN $7::numeric
                  WHEN $4::numeric IS NULL OR t.sold = 0 THEN 1000000::numeric
                  ELSE least(1000000, div($4::numeric * 1000000, t.sold)) END AS r,
             CASE WHEN $9::boolean THEN $8::numeric ELSE greatest($5::numeric - t.sold, 0) * 1000000 END AS house_w
        FROM totals t
    ),
    weights AS (SELECT p.*, p.r * p.sold + p.house_w AS w_total FROM params p),
    parts AS (
      SELECT 1 AS kind, g.product_id, g.h, g.n, g.fee, g.h * wt.r AS w FROM g, weights wt WHERE NOT g.paused
      UNION ALL
      SELECT 0, NULL, NULL, 1, NULL, wt.house_w FROM weights wt
    ),
    split AS (
      SELECT parts.*,
             CASE WHEN wt.w_total = 0 THEN 0 ELSE div($3::numeric * parts.w, wt.w_total) END AS fl,
             CASE WHEN wt.w_total = 0 THEN 0 ELSE mod($3::numeric * parts.w, wt.w_total) END AS rem
        FROM parts, weights wt
    ),
    leftover AS (
      SELECT CASE WHEN (SELECT w_total FROM weights) = 0 THEN 0 ELSE $3::numeric - sum(fl * n) END AS l FROM split
    ),
    classes AS (
      SELECT rem, kind, sum(n) AS n, array_agg(DISTINCT h) FILTER (WHERE h IS NOT NULL) AS hs FROM split WHERE rem > 0 GROUP BY rem, kind
    ),
    ranked AS (
      SELECT classes.*, sum(n) OVER (ORDER BY rem DESC, kind DESC) AS cum FROM classes
    ),
    threshold AS (
      SELECT r.rem, r.kind, r.hs, lo.l - (r.cum - r.n) AS pos
        FROM ranked r, leftover lo
       WHERE lo.l > 0 AND r.cum >= lo.l
       ORDER BY r.rem DESC, r.kind DESC
       LIMIT 1
    ),
    written AS (
      INSERT INTO settlement_run_weights (run_id, product_id, hashrate_ghs, base_sats, plus_rule, electricity_fee_micro_usd, electricity_fee_sats)
      SELECT $1::bigint, s.product_id, s.h, s.fl::bigint,
             -- 2: every contract of the group gets +1; 1: those with id <= the threshold contract; 0: none.
             -- On equal remainders contracts rank before the house, so a house threshold gives them all +1.
             CASE WHEN t.rem IS NULL OR s.rem < t.rem THEN 0 WHEN s.rem > t.rem OR t.kind = 0 THEN 2 ELSE 1 END,
             CASE WHEN $9::boolean THEN 0 ELSE round(s.h::numeric * wt.r * s.fee / 1000)::bigint END,
             CASE WHEN $9::boolean THEN 0 ELSE round(round(s.h::numeric * wt.r * s.fee / 1000) * 100 / $6::numeric)::bigint END
        FROM split s CROSS JOIN weights wt LEFT JOIN threshold t ON true
       WHERE s.kind = 1
      RETURNING 1
    )
    SELECT wt.contracts::text AS contracts, wt.paused_contracts::text AS "pausedContracts", wt.sold::text AS sold,
           wt.r::text AS "ratioPpm", wt.house_w::text AS "houseWeight", wt.w_total::text AS "totalWeight", lo.l::text AS leftover,
           t.rem::text AS "thresholdRem", t.kind AS "thresholdKind", t.hs::text[] AS "thresholdHashrates", t.pos::text AS "thresholdPos",
           -- The house's planned share: its floor, plus its sat of the leftover when its remainder ranks
           -- within it (above the threshold, or equal to a house threshold); all of it when W is 0.
           (SELECT CASE WHEN wt.w_total = 0 THEN $3::numeric
                        ELSE h.fl + CASE WHEN t.rem IS NOT NULL AND h.rem > 0 AND (h.rem > t.rem OR (h.rem = t.rem AND t.kind = 0)) THEN 1 ELSE 0 END
                   END FROM split h WHERE h.kind = 0)::text AS "housePlannedSats",
           (SELECT count(*) FROM written)::int AS groups
      FROM weights wt CROSS JOIN leftover lo LEFT JOIN threshold t ON true`;
  return { sql, params };
}

/** The contract holding the threshold inside its tie class: the pos-th smallest id among them. */
export function thresholdContractStatement(
  source: SqlSource,
  day: string,
  hashrates: string[],
  pos: bigint,
  dayAttempt: number | null,
): { sql: string; params: unknown[] } {
  const adjustment = dayAttempt !== null;
  const params: unknown[] = [day, hashrates, (pos - 1n).toString(), ...(adjustment ? [dayAttempt] : [])];
  const src = embed(source, params);
  const paused = adjustment ? DAY_PAUSED : PAUSED('$1');
  const join = adjustment ? dayRowJoin('$1', '$4') : `LEFT JOIN contract_settlement_states s ON s.contract_id = c.contract_id`;
  return {
    sql: `SELECT c.contract_id::text AS "contractId" FROM (${src}) c ${join}
           WHERE c.hashrate_ghs = ANY($2::bigint[]) AND NOT ${paused}
           ORDER BY c.contract_id OFFSET $3::bigint LIMIT 1`,
    params,
  };
}

export interface ChunkParams {
  runId: string;
  poolId: string;
  day: string;
  seq: number;
  /** The run's attempt, written on every row. */
  attempt: number;
  partition: string;
  chunkNo: number;
  /** First and last customer id of the chunk, inclusive. */
  idFrom: string;
  idTo: string;
  ratioPpm: number;
  thresholdContractId: string | null;
  btcUsd: string;
  /** For an adjustment, the attempt that completed the day (seq 0); null for the day itself. */
  dayAttempt: number | null;
}

/**
 * One chunk: every contract of the range's customers gets its row (also zero days), in one
 * INSERT ... SELECT sorted by contract id. A replay never reaches it: the chunk row is locked and
 * found done in the same transaction. No ON CONFLICT clause: a speculative insert costs a third
 * WAL record and an index probe per row (about a fifth of the chunk), and a row that exists
 * already means overlapping ranges, which must fail the chunk rather than skip. The carried
 * state (arrears, undelivered hash rate) the rows leave is staged in settlement_run_states in
 * the same statement, only for the rows this statement inserted (the run's completion applies
 * it, so a failed attempt changes no contract's state), and the chunk row keeps what each of
 * its customers is owed (`owed`, `kept`: a customer's contracts are all in one chunk). Returns
 * the chunk's totals.
 *
 * Per contract (settlement-math.ts): gross = base + 1 when its rank is within the leftover;
 * electricity charged = min(gross, fee due); uncovered electricity -> arrears (micro-USD);
 * management = min(what is left, floor(gross x bps / 10000)); earlier arrears collected from
 * what is left; a paused contract has gross, fees and net 0.
 */
export function chunkStatement(source: SqlSource, p: ChunkParams): { sql: string; params: unknown[] } {
  const adjustment = p.dayAttempt !== null;
  const params: unknown[] = [
    p.runId,
    p.poolId,
    p.day,
    p.seq,
    p.idFrom,
    p.idTo,
    p.ratioPpm,
    p.thresholdContractId,
    p.btcUsd,
    adjustment,
    p.chunkNo,
    p.attempt,
    ...(adjustment ? [p.dayAttempt] : []),
  ];
  const src = embed(source, params);
  const paused = adjustment ? DAY_PAUSED : PAUSED('$3');
  const pausedJoin = adjustment ? dayRowJoin('$3', '$13') : '';
  // x: per contract, gross and the fee due; y: the charges in order (electricity, management, arrears).
  const sql = `
    WITH x AS (
      SELECT c.contract_id, c.customer_id, c.hashrate_ghs, c.management_fee_bps AS bps, c.uptime_guarantee_bps AS guarantee_bps,
             coalesce(s.arrears_micro_usd, 0) AS a0, ${paused} AS paused,
             CASE WHEN ${paused} THEN 0
                  ELSE w.base_sats + CASE w.plus_rule WHEN 2 THEN 1 WHEN 1 THEN (c.contract_id <= $8::uuid)::int ELSE 0 END END AS gross,
             CASE WHEN ${paused} THEN 0 ELSE w.electricity_fee_micro_usd END AS fee_usd,
             CASE WHEN ${paused} THEN 0 ELSE w.electricity_fee_sats END AS fee_sats
        FROM (${src}) c
        LEFT JOIN settlement_run_weights w ON w.run_id = $1::bigint AND w.product_id = c.product_id AND w.hashrate_ghs = c.hashrate_ghs
        LEFT JOIN contract_settlement_states s ON s.contract_id = c.contract_id
        ${pausedJoin}
       WHERE c.customer_id BETWEEN $5::uuid AND $6::uuid
    ),
    y AS (
      SELECT x.*, least(x.gross, x.fee_sats) AS elec,
             CASE WHEN x.gross < x.fee_sats THEN greatest(x.fee_usd - round(x.gross::numeric * $9::numeric / 100)::bigint, 0) ELSE 0 END AS added,
             least(x.gross - least(x.gross, x.fee_sats), (x.gross * x.bps) / 10000) AS mgmt
        FROM x
    ),
    z AS (
      SELECT y.*, y.gross - y.elec - y.mgmt AS net0,
             CASE WHEN y.a0 > 0 AND y.gross - y.elec - y.mgmt > 0
                  THEN least(y.gross - y.elec - y.mgmt, ceil(y.a0::numeric * 100 / $9::numeric)::bigint) ELSE 0 END AS collected
        FROM y
    ),
    zz AS (
      SELECT z.*, CASE WHEN z.collected = 0 THEN 0
                       WHEN z.collected = ceil(z.a0::numeric * 100 / $9::numeric) THEN z.a0
                       ELSE least(z.a0, floor(z.collected::numeric * $9::numeric / 100)::bigint) END AS cleared
        FROM z
    ),
    ins AS (
      INSERT INTO ${p.partition} AS t (day, contract_id, seq, attempt, pool_id, customer_id, hashrate_ghs, ratio_ppm, gross_sats,
             electricity_fee_micro_usd, electricity_fee_sats, management_fee_sats, arrears_collected_sats, arrears_cleared_micro_usd,
             net_sats, arrears_added_micro_usd, flags)
      SELECT $3::date, z.contract_id, $4::smallint, $12::int, $2::uuid, z.customer_id, z.hashrate_ghs, $7::int, z.gross,
             z.fee_usd, z.elec, z.mgmt, z.collected, z.cleared, z.net0 - z.collected, z.added,
             (CASE WHEN z.paused THEN 1 ELSE 0 END
              | CASE WHEN z.a0 - z.cleared + z.added > 0 THEN 2 ELSE 0 END
              | CASE WHEN NOT z.paused AND NOT $10::boolean AND $7::bigint * 10000 < z.guarantee_bps::bigint * 1000000 THEN 4 ELSE 0 END)::smallint
        FROM zz z
       ORDER BY z.contract_id
      RETURNING t.contract_id, t.customer_id, t.hashrate_ghs, t.gross_sats, t.electricity_fee_micro_usd, t.electricity_fee_sats,
                t.management_fee_sats, t.arrears_collected_sats, t.arrears_cleared_micro_usd, t.net_sats, t.arrears_added_micro_usd, t.flags
    ),
    carried AS (
      SELECT i.contract_id, i.customer_id, i.hashrate_ghs, i.arrears_added_micro_usd AS added, i.arrears_cleared_micro_usd AS cleared,
             (i.flags & 4) <> 0 AS below, coalesce(s.arrears_micro_usd, 0) AS a0, s.arrears_since AS since0,
             coalesce(s.undelivered_ghs_ppm_days, 0) AS u0
        FROM ins i LEFT JOIN contract_settlement_states s ON s.contract_id = i.contract_id
       WHERE i.arrears_added_micro_usd > 0 OR i.arrears_cleared_micro_usd > 0 OR (i.flags & 4) <> 0
    ),
    state AS (
      INSERT INTO settlement_run_states (run_id, contract_id, customer_id, arrears_micro_usd, arrears_since, undelivered_ghs_ppm_days, extension_days)
      SELECT $1::bigint, k.contract_id, k.customer_id, k.a0 - k.cleared + k.added,
             CASE WHEN k.a0 - k.cleared > 0 THEN k.since0 WHEN k.added > 0 THEN $3::date END,
             k.u0 + CASE WHEN k.below THEN k.hashrate_ghs::numeric * (1000000 - $7::bigint) ELSE 0 END,
             CASE WHEN k.hashrate_ghs > 0
                  THEN div(k.u0 + CASE WHEN k.below THEN k.hashrate_ghs::numeric * (1000000 - $7::bigint) ELSE 0 END, k.hashrate_ghs::numeric * 1000000)::int
                  ELSE 0 END
        FROM carried k
      RETURNING 1
    ),
    owed AS (
      SELECT i.customer_id, sum(i.net_sats) AS net, sum(i.arrears_added_micro_usd) - sum(i.arrears_cleared_micro_usd) AS delta
        FROM ins i GROUP BY i.customer_id
    ),
    kept AS (
      UPDATE settlement_chunks k
         SET (customer_ids, customer_net_sats, customer_arrears_delta_micro_usd) =
             (SELECT coalesce(array_agg(o.customer_id ORDER BY o.customer_id), '{}'),
                     coalesce(array_agg(o.net ORDER BY o.customer_id), '{}'),
                     coalesce(array_agg(o.delta ORDER BY o.customer_id), '{}')
                FROM owed o WHERE o.net <> 0 OR o.delta <> 0)
       WHERE k.run_id = $1::bigint AND k.chunk_no = $11::int
      RETURNING k.chunk_no
    )
    SELECT count(*)::int AS contracts,
           coalesce(sum(gross_sats), 0)::text AS "grossSats",
           coalesce(sum(electricity_fee_micro_usd), 0)::text AS "electricityFeeMicroUsd",
           coalesce(sum(electricity_fee_sats), 0)::text AS "electricityFeeSats",
           coalesce(sum(management_fee_sats), 0)::text AS "managementFeeSats",
           coalesce(sum(arrears_collected_sats), 0)::text AS "arrearsCollectedSats",
           coalesce(sum(arrears_cleared_micro_usd), 0)::text AS "arrearsClearedMicroUsd",
           coalesce(sum(net_sats), 0)::text AS "netSats",
           coalesce(sum(arrears_added_micro_usd), 0)::text AS "arrearsAddedMicroUsd",
           count(*) FILTER (WHERE (flags & 1) <> 0)::int AS paused,
           count(*) FILTER (WHERE arrears_added_micro_usd > 0)::int AS "inArrears",
           count(*) FILTER (WHERE (flags & 4) <> 0)::int AS "belowGuarantee",
           (SELECT count(*) FROM state)::int AS "stateChanges",
           (SELECT count(*) FROM kept)::int AS "chunksKept"
      FROM ins`;
  return { sql, params };
}
