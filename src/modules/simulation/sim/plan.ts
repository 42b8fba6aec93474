import { purchasePrice } from '../../contracts/contracts.public.js';
import { Random } from './random.js';

export interface CatalogueEntry {
  key: string;
  termDays: number;
  upfrontPriceUsdPerTh: string;
  popularity: number;
}

export interface PlannedPurchase {
  /** Day of the simulation (0 = the first day) the purchase is made; the contract starts the next day. */
  offset: number;
  productKey: string;
  hashrateGhs: bigint;
  /** Idempotency-Key of the purchase. */
  key: string;
  renewal: boolean;
}

export interface PlannedDeposit {
  offset: number;
  microUsd: bigint;
  reference: string;
}

export interface PlannedCustomer {
  index: number;
  email: string;
  /** The client address the customer's requests come from (per-IP rate limits). */
  ip: string;
  signupOffset: number;
  deposits: PlannedDeposit[];
  purchases: PlannedPurchase[];
  autoPayout: { thresholdSats: bigint } | null;
}

export interface PlanOptions {
  customers: number;
  days: number;
  seed: number;
  emailDomain: string;
  /** Customers sign up over this many first days (default: a third of the period, 1 to 28). */
  signupWindowDays?: number;
  /** Share of customers with automatic payouts (default 3%, at least one from 20 customers). */
  autoPayoutShare?: number;
  /** One threshold for every automatic payout (default: 0.0005, 0.001 or 0.002 BTC, drawn per customer). */
  autoPayoutThresholdSats?: bigint;
}

const SIZES_THS = [
  { value: 1, weight: 10 },
  { value: 2, weight: 12 },
  { value: 5, weight: 20 },
  { value: 10, weight: 22 },
  { value: 20, weight: 15 },
  { value: 50, weight: 10 },
  { value: 100, weight: 6 },
  { value: 250, weight: 3 },
  { value: 500, weight: 1 },
];
const THRESHOLDS_SATS = [50_000n, 100_000n, 200_000n];

export function signupWindow(days: number, override?: number): number {
  return override ?? Math.max(1, Math.min(28, Math.floor(days / 3)));
}

/** Micro-USD rounded up to the whole dollar (deposits are round amounts). */
const wholeDollarsUp = (micro: bigint) => ((micro + 999_999n) / 1_000_000n) * 1_000_000n;

/**
 * Who joins when, deposits what and buys which product in which size, deterministic for a
 * seed. Most customers buy once on the day they sign up; some buy again within two weeks, and
 * half of the 30-day buyers renew when their contract ends. A few set up automatic payouts
 * (and buy at least 20 TH/s, so their balance reaches the threshold within the period).
 * Deposits cover the planned purchases, most with a buffer for electricity arrears.
 */
export function planCustomers(options: PlanOptions, catalogue: CatalogueEntry[]): PlannedCustomer[] {
  const rng = new Random(options.seed);
  const window = signupWindow(options.days, options.signupWindowDays);
  const share = options.autoPayoutShare ?? 0.03;
  const autoEvery = options.customers >= 20 ? Math.max(1, Math.round(1 / share)) : 0;
  const products = catalogue.map((c) => ({ value: c, weight: c.popularity }));
  const priceOf = (c: CatalogueEntry, ghs: bigint) => purchasePrice({ upfrontPriceUsdPerTh: c.upfrontPriceUsdPerTh }, ghs);
  const plan: PlannedCustomer[] = [];
  for (let i = 0; i < options.customers; i++) {
    const n = i + 1;
    const signupOffset = Math.min(window - 1, Math.floor(window * rng.next() ** 1.4));
    const auto = autoEvery > 0 && n % autoEvery === 0;
    const size = () => {
      let ths = rng.weighted(SIZES_THS);
      if (auto && ths < 20) ths = 20;
      const ghs = BigInt(ths) * 1000n + (rng.chance(0.1) ? 500n : 0n);
      return ghs;
    };
    const buffer = rng.chance(0.2) ? 1_000_000n : BigInt(rng.int(1_050_000, 1_400_000));
    const purchases: PlannedPurchase[] = [];
    const deposits: PlannedDeposit[] = [];
    const first = rng.weighted(products);
    purchases.push({ offset: signupOffset, productKey: first.key, hashrateGhs: size(), key: `c${n}-1`, renewal: false });
    if (rng.chance(0.3)) {
      const offset = signupOffset + rng.int(2, 14);
      if (offset < options.days - 1) purchases.push({ offset, productKey: rng.weighted(products).key, hashrateGhs: size(), key: `c${n}-2`, renewal: false });
    }
    let initial = 0n;
    for (const p of purchases)
      initial += priceOf(
        catalogue.find((c) => c.key === p.productKey)!,
        p.hashrateGhs,
      );
    deposits.push({ offset: signupOffset, microUsd: wholeDollarsUp((initial * buffer) / 1_000_000n), reference: `c${n}-d1` });
    for (const p of [...purchases]) {
      const product = catalogue.find((c) => c.key === p.productKey)!;
      const renewalOffset = p.offset + product.termDays;
      if (product.termDays <= 30 && renewalOffset < options.days - 1 && rng.chance(0.5)) {
        purchases.push({ offset: renewalOffset, productKey: p.productKey, hashrateGhs: p.hashrateGhs, key: `${p.key}-r`, renewal: true });
        deposits.push({
          offset: renewalOffset,
          microUsd: wholeDollarsUp((priceOf(product, p.hashrateGhs) * buffer) / 1_000_000n),
          reference: `c${n}-d-${p.key}-r`,
        });
      }
    }
    plan.push({
      index: n,
      email: `customer-${String(n).padStart(5, '0')}@${options.emailDomain}`,
      ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      signupOffset,
      deposits,
      purchases,
      autoPayout: auto ? { thresholdSats: options.autoPayoutThresholdSats ?? THRESHOLDS_SATS[rng.int(0, THRESHOLDS_SATS.length - 1)] } : null,
    });
  }
  return plan;
}

/**
 * The most hash rate each product's buyers hold at once over the period (contracts start the day
 * after purchase and run their term), in TH/s: what the operator's fleets must be sized for.
 */
export function peakDemandThs(plan: PlannedCustomer[], catalogue: CatalogueEntry[], days: number): Record<string, number> {
  const peaks: Record<string, number> = {};
  for (const c of catalogue) {
    const load = new Array<bigint>(days + 2).fill(0n);
    for (const customer of plan) {
      for (const p of customer.purchases) {
        if (p.productKey !== c.key) continue;
        for (let d = p.offset + 1; d <= Math.min(days + 1, p.offset + c.termDays); d++) load[d] += p.hashrateGhs;
      }
    }
    const peak = load.reduce((m, v) => (v > m ? v : m), 0n);
    peaks[c.key] = Number(peak / 1000n) + 1;
  }
  return peaks;
}
