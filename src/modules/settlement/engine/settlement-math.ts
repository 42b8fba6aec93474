/**
 * The settlement arithmetic, in exact bigint, as a reference for the set-based SQL in
 * settlement.repository.ts (which must give the same numbers; the specs compare them).
 * Every rounding rule is named here and written down in docs/settlement.md.
 */

export const PPM = 1_000_000n;
export const BPS = 10_000n;

/** Delivery ratio in parts per million: floor(delivered x 1e6 / sold), capped at 1e6; 1e6 when nothing was sold or no report exists. */
export function deliveryRatioPpm(deliveredGhs: bigint | null, soldGhs: bigint): bigint {
  if (deliveredGhs === null || soldGhs <= 0n) return PPM;
  const ratio = (deliveredGhs * PPM) / soldGhs;
  return ratio > PPM ? PPM : ratio < 0n ? 0n : ratio;
}

/** House weight: unsold online capacity (never negative), in the same GH/s x ppm unit as contract weights. */
export function houseWeight(onlineGhs: bigint, soldGhs: bigint): bigint {
  const unsold = onlineGhs - soldGhs;
  return unsold > 0n ? unsold * PPM : 0n;
}

/** A participant's place in the largest-remainder order. Contract ids are uuids (strings) or, in tests, bigints. */
export interface RankKey {
  rem: bigint;
  /** 0 for the house, 1 for a contract. */
  kind: 0 | 1;
  id: string | bigint;
}

export interface SplitPart {
  kind: 0 | 1;
  id: string | bigint;
  weight: bigint;
}

/**
 * Negative when `a` comes before `b` in the order the leftover sats are handed out: larger
 * remainder first; on equal remainders contracts before the house, then the smaller contract
 * id first (the rule of splitByLargestRemainder in src/common/money, which the SQL follows).
 */
export function compareRank(a: RankKey, b: RankKey): number {
  if (a.rem !== b.rem) return a.rem > b.rem ? -1 : 1;
  if (a.kind !== b.kind) return a.kind > b.kind ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

export interface SplitPlan {
  /** Total weight W (contracts plus house). */
  totalWeight: bigint;
  /** Sats left after every part took floor(E x w / W): how many parts get one more sat. */
  leftover: bigint;
  /** The leftover-th participant in rank order: it and every one ranked before it get +1. Null when leftover is 0. */
  threshold: RankKey | null;
}

/**
 * Plans a largest-remainder split of `amount` by integer weights: what the prepare step
 * computes once per (pool, day) so that chunks can apply it without sorting the pool.
 */
export function planSplit(amount: bigint, parts: SplitPart[]): SplitPlan {
  const totalWeight = parts.reduce((sum, p) => sum + p.weight, 0n);
  if (totalWeight === 0n || amount === 0n) return { totalWeight, leftover: 0n, threshold: null };
  let floors = 0n;
  const keys: RankKey[] = [];
  for (const p of parts) {
    const product = amount * p.weight;
    floors += product / totalWeight;
    keys.push({ rem: product % totalWeight, kind: p.kind, id: p.id });
  }
  const leftover = amount - floors;
  if (leftover === 0n) return { totalWeight, leftover, threshold: null };
  keys.sort(compareRank);
  return { totalWeight, leftover, threshold: keys[Number(leftover) - 1] };
}

/** What one chunk does for one part: floor(E x w / W), plus one when it ranks at or before the threshold. */
export function applySplit(amount: bigint, plan: SplitPlan, part: SplitPart): bigint {
  if (plan.totalWeight === 0n) return 0n;
  const product = amount * part.weight;
  const base = product / plan.totalWeight;
  if (plan.threshold === null) return base;
  const key: RankKey = { rem: product % plan.totalWeight, kind: part.kind, id: part.id };
  return compareRank(key, plan.threshold) <= 0 ? base + 1n : base;
}

/** Half-up division of non-negative integers: round(n / d) with .5 going up. */
export function divRoundHalfUp(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

/** Ceiling division of non-negative integers. */
export function divCeil(n: bigint, d: bigint): bigint {
  return (n + d - 1n) / d;
}

/**
 * Electricity fee in micro-USD for one contract-day: hash rate (GH/s) x delivery ratio (ppm) x
 * fee (micro-USD per TH/s per day) / 1e9, rounded half up to the micro-dollar.
 */
export function electricityFeeMicroUsd(hashrateGhs: bigint, ratioPpm: bigint, feeMicroUsdPerThDay: bigint): bigint {
  return divRoundHalfUp(hashrateGhs * ratioPpm * feeMicroUsdPerThDay, 1_000_000_000n);
}

/**
 * BTC/USD prices are carried as integer micro-USD per BTC (exact for a numeric(20,6) price).
 * sats = microUsd x 1e8 / priceMicroUsdPerBtc, rounded half up.
 */
export function microUsdToSatsHalfUp(microUsd: bigint, priceMicroUsdPerBtc: bigint): bigint {
  return divRoundHalfUp(microUsd * 100_000_000n, priceMicroUsdPerBtc);
}

/** Value of sats in micro-USD, rounded half up. */
export function satsToMicroUsdHalfUp(sats: bigint, priceMicroUsdPerBtc: bigint): bigint {
  return divRoundHalfUp(sats * priceMicroUsdPerBtc, 100_000_000n);
}

/** Sats needed to pay micro-USD in full at a price (ceiling: collecting this much clears the debt). */
export function microUsdToSatsCeil(microUsd: bigint, priceMicroUsdPerBtc: bigint): bigint {
  return divCeil(microUsd * 100_000_000n, priceMicroUsdPerBtc);
}

/** Sats' value in micro-USD, floored (a partial collection never clears more than it paid for). */
export function satsToMicroUsdFloor(sats: bigint, priceMicroUsdPerBtc: bigint): bigint {
  return (sats * priceMicroUsdPerBtc) / 100_000_000n;
}

export interface ContractDayState {
  /** Arrears outstanding before the day, micro-USD. */
  arrearsMicroUsd: bigint;
  /** First day of the oldest arrears still outstanding (days since epoch), null when none. */
  arrearsSinceDay: number | null;
  /** Undelivered hash rate accrued, in GH/s x ppm x days. */
  undeliveredGhsPpmDays: bigint;
  /** Whole days the end day was already extended by. */
  extensionDays: bigint;
}

export interface ContractDayInput {
  day: number;
  hashrateGhs: bigint;
  ratioPpm: bigint;
  grossSats: bigint;
  feeMicroUsdPerThDay: bigint;
  managementFeeBps: bigint;
  uptimeGuaranteeBps: bigint;
  arrearsGraceDays: number;
  priceMicroUsdPerBtc: bigint;
}

export interface ContractDayResult {
  paused: boolean;
  electricityFeeMicroUsd: bigint;
  electricityFeeSats: bigint;
  managementFeeSats: bigint;
  arrearsCollectedSats: bigint;
  netSats: bigint;
  arrearsAddedMicroUsd: bigint;
  belowGuarantee: boolean;
  after: ContractDayState;
}

/** True when the contract sits out day `day` because its oldest arrears are older than the grace period. */
export function isPausedForArrears(state: ContractDayState, day: number, graceDays: number): boolean {
  return state.arrearsMicroUsd > 0n && state.arrearsSinceDay !== null && day - state.arrearsSinceDay > graceDays;
}

/**
 * One contract's day, given its share of the gross: fees, net, arrears and uptime accrual.
 * A paused contract has weight 0 (its gross is 0), pays no fees and accrues nothing.
 */
export function settleContractDay(input: ContractDayInput, before: ContractDayState): ContractDayResult {
  const paused = isPausedForArrears(before, input.day, input.arrearsGraceDays);
  if (paused) {
    return {
      paused,
      electricityFeeMicroUsd: 0n,
      electricityFeeSats: 0n,
      managementFeeSats: 0n,
      arrearsCollectedSats: 0n,
      netSats: 0n,
      arrearsAddedMicroUsd: 0n,
      belowGuarantee: false,
      after: { ...before },
    };
  }
  const gross = input.grossSats;
  const feeUsd = electricityFeeMicroUsd(input.hashrateGhs, input.ratioPpm, input.feeMicroUsdPerThDay);
  const feeSatsDue = microUsdToSatsHalfUp(feeUsd, input.priceMicroUsdPerBtc);
  const electricitySats = gross < feeSatsDue ? gross : feeSatsDue;
  const shortfall = gross < feeSatsDue ? feeUsd - satsToMicroUsdHalfUp(gross, input.priceMicroUsdPerBtc) : 0n;
  const arrearsAdded = shortfall > 0n ? shortfall : 0n;
  const managementDue = (gross * input.managementFeeBps) / BPS;
  const afterElectricity = gross - electricitySats;
  const managementSats = afterElectricity < managementDue ? afterElectricity : managementDue;
  const netBeforeArrears = afterElectricity - managementSats;

  // Earlier arrears are collected from what is left of today's output (oldest first).
  let collected = 0n;
  let cleared = 0n;
  if (before.arrearsMicroUsd > 0n && netBeforeArrears > 0n) {
    const needed = microUsdToSatsCeil(before.arrearsMicroUsd, input.priceMicroUsdPerBtc);
    if (netBeforeArrears >= needed) {
      collected = needed;
      cleared = before.arrearsMicroUsd;
    } else {
      collected = netBeforeArrears;
      const value = satsToMicroUsdFloor(collected, input.priceMicroUsdPerBtc);
      cleared = value < before.arrearsMicroUsd ? value : before.arrearsMicroUsd;
    }
  }
  const remainingOld = before.arrearsMicroUsd - cleared;
  const arrearsAfter = remainingOld + arrearsAdded;
  const since = remainingOld > 0n ? before.arrearsSinceDay : arrearsAdded > 0n ? input.day : null;

  const belowGuarantee = input.ratioPpm * BPS < input.uptimeGuaranteeBps * PPM;
  const undelivered = before.undeliveredGhsPpmDays + (belowGuarantee ? input.hashrateGhs * (PPM - input.ratioPpm) : 0n);
  const extension = input.hashrateGhs > 0n ? undelivered / (input.hashrateGhs * PPM) : 0n;

  return {
    paused,
    electricityFeeMicroUsd: feeUsd,
    electricityFeeSats: electricitySats,
    managementFeeSats: managementSats,
    arrearsCollectedSats: collected,
    netSats: netBeforeArrears - collected,
    arrearsAddedMicroUsd: arrearsAdded,
    belowGuarantee,
    after: { arrearsMicroUsd: arrearsAfter, arrearsSinceDay: arrearsAfter > 0n ? since : null, undeliveredGhsPpmDays: undelivered, extensionDays: extension },
  };
}
